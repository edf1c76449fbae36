"""The EC2 Query protocol, server side, driven by botocore's EC2 service model (no hand-written templates).

One name for both directions, each in its own module: ``query_parse`` (form-encoded
request -> operation and botocore-shaped params) and ``query_serialize`` (result or
error -> EC2's XML); ``ec2_model`` loads the model they read.
"""

from .ec2_model import operation_model, operation_names, service_model  # noqa: F401
from .query_parse import (AUTH_QUERY_KEYS, RESERVED_KEYS, decode_form, parse_params,  # noqa: F401
                          parse_request, split_action, wire_name)
from .query_serialize import (EC2_NAMESPACE, XML_DECLARATION, format_timestamp,  # noqa: F401
                              serialize_error, serialize_result, xml_text)
