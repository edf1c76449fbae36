"""One-line seeding for tests, demos and benchmarks (an emulator handle or a ``Cloud``)."""

from __future__ import annotations

from typing import Optional

from .oos import make_manifest


def _cloud(target):
    return getattr(target, "cloud", target)


def seed_manifest(target, name: str, bucket: str = "exports", key: Optional[str] = None,
                  architecture: str = "x86_64", expires_in: Optional[int] = None, **manifest_options) -> str:
    """Store an export manifest for an image ``name``; return a pre-signed URL of it.

    The snapshot URLs inside are signed at the emulated clock's time; ``expires_in``
    (seconds, may be negative) sets the manifest URL's validity (default seven days).
    """
    cloud = _cloud(target)
    manifest = make_manifest(name, architecture, region=cloud.region, bucket=bucket, now=cloud.now(),
                             **manifest_options)
    key = key or f"{name}/manifest.json"
    if expires_in is None:
        return cloud.put_manifest(bucket, key, manifest)
    return cloud.put_manifest(bucket, key, manifest, expires_in)


def seed_snapshot(target, size: int = 10, account_id: Optional[str] = None, description: str = "") -> str:
    """A completed snapshot of ``size`` GiB (owned by the first account by default); its ID."""
    cloud = _cloud(target)
    with cloud.lock:
        return cloud.add_snapshot(account_id or cloud.default_account.account_id, size, description).snapshot_id
