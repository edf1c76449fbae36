"""Write an OUTSCALE profile into the AWS CLI / SDK shared config file.

One logic for both front ends: ``aws configure outscale`` (the plugin's command) and
``osc-shim configure`` (for a CLI that does not load the plugin yet).  By concern:

    ini.py        the INI editor (botocore's reading, line-preserving edits)
    planning.py   what to write: the profile, [services osc-REGION], [plugins] (pure)
    install.py    the I/O: reading and atomically writing files, the AWS CLI v2 plugin folder
    cli_check.py  whether the `aws` being configured can load the plugin

The names below are what the front ends use.
"""

from .ini import IniDocument, exact_matcher, profile_header, profile_matcher, services_matcher
from .install import (
    NOT_ON_PLUGIN_PATH,
    PLUGIN_DIR_NAME,
    V2_PACKAGES,
    apply,
    credentials_hint,
    default_config_file,
    default_plugin_dir,
    detect_cli,
    install_plugin_dir,
    read_config,
    summary,
    write_atomic,
)
from .planning import (
    CLI_CHOICES,
    LEGACY_PLUGIN_PATH,
    MARKER_KEY,
    PLUGIN_MODULE,
    PLUGIN_NAME,
    ConfigureError,
    Plan,
    plan,
    services_section_name,
)
