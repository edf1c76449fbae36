"""What the client suites share besides their fixtures (a uniquely named module: ``conftest`` names
one module per folder, so importing from it picks whichever folder's came first)."""

# A second OUTSCALE account to share images with (12 digits, as OUTSCALE account IDs are).
OTHER_ACCOUNT = "210987654321"
