"""`aidbridge anonymise`: JSON Lines through the real command, order kept, bad lines reported."""

import json
import subprocess
import sys


def test_bulk_anonymise_through_the_command() -> None:
    lines = [
        json.dumps(
            {"text": "张小明，电话 138-1234-5678，患白血病。", "known": {"names": ["张小明"]}},
            ensure_ascii=False,
        ),
        "{not json",
        json.dumps({"text": "无个人信息的说明。"}, ensure_ascii=False),
    ]
    result = subprocess.run(
        [sys.executable, "-m", "backend.cli", "anonymise"],
        input=("\n".join(lines) + "\n").encode() + b"\xff\xfe\n",
        capture_output=True,
        timeout=120,
    )
    out = [json.loads(line) for line in result.stdout.decode().splitlines()]
    assert result.returncode == 1  # a bad line was seen
    assert len(out) == 4
    assert out[0]["text"] == "某某，电话 [电话]，患白血病。"
    assert [f["kind"] for f in out[0]["findings"]] == ["name", "phone"]
    assert out[1]["error"]["code"] == "invalid_line"
    assert "not json" not in result.stdout.decode()
    assert out[2] == {"text": "无个人信息的说明。", "findings": [], "undecided": 0}
    assert "error" in out[3]
