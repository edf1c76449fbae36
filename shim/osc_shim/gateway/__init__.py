"""The EC2-compatible gateway: boto3 and other SDKs, unchanged, on the OUTSCALE API.

``ec2_model`` (botocore's EC2 model), ``query_parse`` / ``query_serialize`` (EC2
Query requests in, XML answers out), ``auth``
(inbound SigV4), ``forward`` (untranslated actions to FCU), ``sts``
(GetCallerIdentity's XML), ``app`` (the WSGI application), ``framing`` (connections
that are not requests), ``server`` (waitress, hardened, with graceful shutdown; the
``osc-shim serve`` command is ``osc_shim.cli.serve``).
"""
