"""Top-level test configuration.

Its presence puts tests/ on sys.path, so every test folder can import the shared
``sandbox_env`` helpers; and this process imports the working tree's packages first,
whatever the venv's install says.
"""

import sys

from sandbox_env import SOURCE_PATHS

for _path in reversed(SOURCE_PATHS):
    if _path not in sys.path:
        sys.path.insert(0, _path)
