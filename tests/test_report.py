"""What the learner reads after a grade: long messages kept whole (their advice last), one message
per cause, the near name of a missing function, a hang reported fast, every line fitting the width."""

import io
import re

from conftest import REPO, grade_json, run_graders
from graders import plugin
from graders.report import Reporter, clipped
from test_engine import MISBEHAVING, in_solutions

ADVICE = "Keep the pair counts and update them only around each merge's occurrences."


def long_failure(name="test_speed", message=None):
    message = message or "train_bytes used 41.20 s of CPU = 310 naive passes over the text " * 6 + ADVICE
    return plugin.TestResult(name, "performance", "failed", message, 0.5)


def report_of(results, width):
    out = io.StringIO()
    reporter = Reporter(out, width=width)
    for result in results:
        reporter.test_line(result)
    return out.getvalue()


def test_a_long_message_is_wrapped_to_the_width_and_keeps_its_advice():
    for width in (60, 100, 160):
        text = report_of([long_failure()], width)
        assert max(map(len, text.splitlines())) <= width, text
        assert " ".join(text.split()).endswith(ADVICE), text  # every word, the advice last


def test_a_very_long_message_keeps_its_first_and_last_parts_with_a_visible_cut():
    message = "the first words " + "x" * 20_000 + " " + ADVICE
    kept = clipped(message, 1200)
    assert kept.startswith("the first words") and kept.endswith(ADVICE) and len(kept) < 1300
    assert re.search(r" \.\.\. \(\d+ characters left out\) \.\.\. ", kept)
    text = report_of([long_failure(message=message)], 80)
    assert ADVICE in " ".join(text.split()) and "characters left out" in " ".join(text.split())


def test_the_json_message_keeps_the_end_of_a_long_error(probe_root, tmp_path):
    solution = tmp_path / "loud.py"
    solution.write_text((MISBEHAVING / "correct.py").read_text()
                        + '\n\ndef add(a, b):\n    raise RuntimeError("overflow " * 500 + "in add")\n')
    result, proc = grade_json("probe", solution, probe_root, tmp_path)
    message = next(t["message"] for t in result["tests"] if t["name"] == "test_add")
    assert "characters left out" in message and len(message) <= 2100, message
    assert message.startswith("the solution raised RuntimeError: overflow")
    assert message.rstrip().endswith('raise RuntimeError("overflow " * 500 + "in add")'), message[-300:]


def test_identical_failures_are_shown_once_with_the_near_name(probe_root, tmp_path):
    solution = tmp_path / "typo.py"
    solution.write_text((MISBEHAVING / "correct.py").read_text().replace("def add(", "def addd("))
    result, proc = grade_json("probe", solution, probe_root, tmp_path)
    add_tests = [t for t in result["tests"] if t["name"] in ("test_add", "test_add_arrays")]
    assert [t["status"] for t in add_tests] == ["error", "error"]
    for t in add_tests:  # the JSON keeps every test's own message
        assert "the solution defines no `add` (it defines `addd`: rename it to `add`?)" in t["message"], t
    assert proc.stdout.count("defines no `add`") == 1, proc.stdout
    assert "1 more test failed the same way as test_add (its message is above)" in proc.stdout
    assert re.search(r"^  ERROR .*test_add_arrays +\d+\.\d\ds$", proc.stdout, re.M), proc.stdout


def test_no_near_name_is_made_up(probe_root, tmp_path):
    result, proc = grade_json("probe", in_solutions("missing_name", tmp_path), probe_root, tmp_path)
    message = next(t["message"] for t in result["tests"] if t["name"] == "test_add")
    assert message == "MissingName: the solution defines no `add`", message


HUNG_TESTS = 16


def test_a_function_that_timed_out_is_not_waited_for_again(probe_root, tmp_path):
    """Many later tests call the hung function: the kata costs about one test's limit (3 s in the
    probe manifest), not one per test."""
    tests = probe_root / "katas" / "probe" / "test_probe.py"
    tests.write_text(tests.read_text() + "".join(
        f'\n\n@pytest.mark.category("correctness")\ndef test_echo_again_{i}(solution):\n'
        f'    assert_equal(solution.echo({i}), {i}, "an int")\n' for i in range(HUNG_TESTS)))
    solution = tmp_path / "hangs_in_echo.py"
    solution.write_text((MISBEHAVING / "correct.py").read_text()
                        + "\n\ndef echo(x):\n    while True:\n        pass\n")
    result, proc = grade_json("probe", solution, probe_root, tmp_path)
    timeout_s = 3
    calls_echo = ("test_echo_array", "test_plain_data_round_trip", *(f"test_echo_again_{i}" for i in range(HUNG_TESTS)))
    hung = [t for t in result["tests"] if t["name"] in calls_echo]
    assert [t["name"] for t in hung] == [*calls_echo] and {t["status"] for t in hung} == {"timeout"}
    # before: one limit, then at least 0.5 s for each of the 17 later calls (11.5 s in all)
    assert sum(t["duration_s"] for t in hung[1:]) < len(hung[1:]) * 0.25, hung
    assert result["duration_s"] < 3 * timeout_s, result["duration_s"]
    assert hung[0]["message"].startswith("timed out: `echo` did not return within")
    assert all("`echo` was not called: it already timed out in an earlier test" in t["message"] for t in hung[1:])
    assert [t["status"] for t in result["tests"] if t["name"] in ("test_add", "test_add_arrays")] == ["passed"] * 2
    assert f"{HUNG_TESTS} more tests failed the same way as test_plain_data_round_trip" in proc.stdout, proc.stdout


def test_status_lines_fit_the_width(probe_root):
    missing_name = in_solutions("missing_name", probe_root)
    for columns in (50, 60, 80, 120):
        proc = run_graders("grade", "probe", "--solution", missing_name, root=probe_root,
                           env={"COLUMNS": str(columns)})
        lines = proc.stdout.splitlines()
        assert lines and max(len(line) for line in lines[1:]) <= columns, (columns, proc.stdout)
        assert any("test_add" in line for line in lines) and "defines no `add`" in " ".join(proc.stdout.split())
    wide = run_graders("grade", "probe", "--solution", missing_name, root=probe_root,
                       env={"COLUMNS": "120"}).stdout
    assert re.search(r"ERROR +correctness +test_add ", wide)  # the category shows where there is room



def test_a_name_of_the_kata_is_never_suggested_for_another():
    bpe_api = plugin.starter_names(REPO / "katas" / "bpe" / "starter.py")
    assert {"train_bytes", "encode_bytes", "decode_bytes"} <= bpe_api
    assert plugin.near_name("decode_bytes", ["encode_bytes", "train_bytes"], bpe_api) == ""
    attention_api = plugin.starter_names(REPO / "katas" / "attention" / "starter.py")
    assert plugin.near_name("self_attention", ["np", "self_attn", "softmax"], attention_api) == \
        " (it defines `self_attn`: rename it to `self_attention`?)"
