"""With the plugin loaded, calls that do not target OUTSCALE behave exactly as without it.

Runs the real ``aws`` v1 binary against moto's EC2-shaped server on loopback, once with
and once without the ``[plugins]`` line, and compares what the user sees.
"""

import re
from concurrent.futures import ThreadPoolExecutor

PRESENTATION = [
    (re.compile(r"ami-[0-9a-f]{8,17}"), "ami-ID"),
    (re.compile(r"snap-[0-9a-f]{8,17}"), "snap-ID"),
    (re.compile(r'"CreationDate": "[^"]+"'), '"CreationDate": "DATE"'),
]


def normalise(text: str) -> str:
    for pattern, replacement in PRESENTATION:
        text = pattern.sub(replacement, text)
    return text


def run_sequence(cli, moto, manifest_url):
    endpoint = ["--endpoint-url", moto.url, "--output", "json"]
    commands = [
        ["ec2", "register-image", "--name", "plain", "--image-location", "bucket/key", *endpoint],
        # AWS CLI v1 downloads an http(s) value and sends what it read: kept outside OUTSCALE
        ["ec2", "register-image", "--name", "fetched", "--image-location", manifest_url, *endpoint],
        ["ec2", "describe-images", "--owners", "self", *endpoint],
        ["ec2", "describe-images", "--image-ids", "ami-00000000", *endpoint],
    ]
    seen = []
    for command in commands:
        done = cli.run(*command)
        seen.append((done.returncode, normalise(done.stdout), normalise(done.stderr)))
    return seen


def test_calls_to_a_non_outscale_endpoint_are_unchanged(make_cli, moto_ec2, text_server):
    env = dict(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing")
    manifest_url = text_server.url + "/manifest.txt"
    moto_ec2.reset()
    # Both runs at once, each in its own region (moto keeps one state per region).
    # eu-west-2 is also an OUTSCALE region name: a region alone must not route to OUTSCALE.
    plain = make_cli(plugin=False, AWS_DEFAULT_REGION="us-east-1", **env)
    plugged = make_cli(plugin=True, AWS_DEFAULT_REGION="eu-west-2", **env)
    with ThreadPoolExecutor(2) as pool:
        runs = [pool.submit(run_sequence, cli, moto_ec2, manifest_url) for cli in (plain, plugged)]
        without, with_plugin = [run.result() for run in runs]

    assert with_plugin == without
    (rc1, out1, _), (rc2, out2, _), (rc3, out3, _), (rc4, out4, err4) = with_plugin
    assert (rc1, rc2, rc3) == (0, 0, 0)
    assert '"ImageId": "ami-ID"' in out1 and '"Name": "fetched"' in out3
    assert rc4 != 0 and "InvalidAMIID.NotFound" in err4 and "Traceback" not in err4
    # the URL was fetched once per run, as AWS CLI v1 does
    assert [(method, path) for method, path, _, _ in text_server.requests] == [("GET", "/manifest.txt")] * 2
