"""osc_shim: translate EC2 requests into OUTSCALE API (OAPI) calls and back.

Everything that knows both APIs lives here; the AWS CLI plugin
(``awscli_plugin_outscale``) and the EC2 gateway are thin front ends over it.
"""

__version__ = "0.1.0"
