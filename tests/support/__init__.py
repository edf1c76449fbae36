"""What the test folders share, one module per thing: the sandboxed environment (``sandbox_env``),
the emulator process (``emulator_process``), moto standing in for FCU (``moto_fcu``), the gateway
stack (``gateway_stack``), fresh virtual environments (``fresh_venv``) and the marker rules
(``markers``).  The fixtures built from them are in tests/conftest.py."""
