"""The EC2-compatible gateway: boto3 and other SDKs, unchanged, on the OUTSCALE API.

``query_protocol`` (EC2 Query wire format from botocore's model), ``auth``
(inbound SigV4), ``forward`` (untranslated actions to FCU), ``app`` (the WSGI
application), ``serve`` (the ``osc-shim serve`` command).
"""
