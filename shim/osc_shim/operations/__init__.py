"""EC2 operation name -> translator.  The one list of what the shim translates."""

from . import images

OPERATIONS = {
    "RegisterImage": images.register_image,
}
