"""kata.yaml: the real one is valid and complete; a broken one gives an error naming kata and field."""

import pytest
import yaml

from conftest import REPO, run_graders
from graders.manifest import ManifestError, load_manifest

SHORTLIST = ["attention", "multihead", "kv_cache", "sampling", "softmax", "norms", "bpe", "rope", "kmeans",
             "logreg", "mlp_backprop", "dataloader", "speculative", "conv2d", "tiny_transformer"]


def test_the_manifest_lists_the_shortlist_in_order():
    katas = load_manifest(REPO / "kata.yaml")
    assert list(katas) == SHORTLIST
    assert katas["attention"].stars == 5 and katas["attention"].minutes == 6
    assert katas["tiny_transformer"].framework == "torch"
    assert all("torch" in k.forbidden for k in katas.values() if k.framework == "numpy")
    assert list(katas["softmax"].frameworks) == ["numpy", "torch"]
    assert "numpy" in katas["softmax"].forbidden_for("torch") and "torch" in katas["softmax"].forbidden_for("numpy")


def test_every_kata_folder_has_a_manifest_entry_and_its_files():
    katas = load_manifest(REPO / "kata.yaml")
    for folder in (REPO / "katas").iterdir():
        assert folder.name in katas, f"katas/{folder.name} has no entry in kata.yaml"
        for name in ("prompt.md", "starter.py"):
            assert (folder / name).is_file(), f"katas/{folder.name}/{name} is missing"
        assert list(folder.glob("test_*.py")), f"katas/{folder.name} has no hidden tests"
        assert (REPO / "graders" / "keys" / folder.name / "reference.py").is_file()


def test_a_second_framework_has_its_starter_prompt_and_answer_key():
    for kata in load_manifest(REPO / "kata.yaml").values():
        for framework in list(kata.frameworks)[1:]:
            for path in (f"katas/{kata.id}/starter_{framework}.py", f"katas/{kata.id}/prompt_{framework}.md",
                         f"graders/keys/{kata.id}/{framework}/reference.py"):
                assert (REPO / path).is_file(), f"{kata.id} lists {framework} but {path} is missing"


def test_every_level_has_its_prompts_tests_and_answer_key_in_every_framework():
    """katas/<id>/levels/<level>/: prompt.md (prompt_<fw>.md for each other framework), test_*.py, and a fresh
    level's starter.py (starter_<fw>.py); graders/keys/<id>/levels/<level>/: reference.py ([fw/]reference.py),
    test_oracle.py. No folder without its manifest entry."""
    for kata in load_manifest(REPO / "kata.yaml").values():
        levels = REPO / "katas" / kata.id / "levels"
        listed = {level.id for level in kata.levels}
        assert not levels.is_dir() or {f.name for f in levels.iterdir()} <= listed, f"{kata.id}: a level folder not in kata.yaml"
        for level in kata.levels:
            folder, key = levels / level.id, REPO / "graders" / "keys" / kata.id / "levels" / level.id
            assert list(folder.glob("test_*.py")), f"{kata.id}:{level.id} has no hidden tests"
            assert (key / "test_oracle.py").is_file() and (key / "__init__.py").is_file(), f"{kata.id}:{level.id}"
            for number, framework in enumerate(kata.frameworks):
                suffix = "" if number == 0 else f"_{framework}"
                paths = [folder / f"prompt{suffix}.md", key / ("" if number == 0 else framework) / "reference.py"]
                if level.file == "fresh":
                    paths.append(folder / f"starter{suffix}.py")
                for path in paths:
                    assert path.is_file(), f"{kata.id}:{level.id} ({framework}) needs {path.relative_to(REPO)}"


def test_every_follow_up_has_a_model_answer():
    for kata in load_manifest(REPO / "kata.yaml").values():
        assert kata.follow_ups, kata.id
        for follow_up in kata.follow_ups:
            assert follow_up.question.strip() and len(follow_up.answer.split()) >= 30, (kata.id, follow_up.question)


def write_manifest(tmp_path, mutate):
    data = yaml.safe_load((REPO / "kata.yaml").read_text())
    mutate(data)
    path = tmp_path / "kata.yaml"
    path.write_text(yaml.safe_dump(data) if not isinstance(data, str) else data)
    return path


@pytest.mark.parametrize("mutate, message", [
    (lambda d: d["katas"][1].update(stars=6), "kata 'multihead': field 'stars' is 6; expected an integer from 1 to 5"),
    (lambda d: d["katas"][2].update(stars="4"), "kata 'kv_cache': field 'stars' is '4'"),
    (lambda d: d["katas"][0].pop("timeout_s"), "kata 'attention': missing field 'timeout_s'"),
    (lambda d: d["katas"][3].update(frameworks={"jax": {"forbidden": []}}),
     "kata 'sampling': field 'frameworks', framework 'jax' is unknown; expected one of numpy, torch, python"),
    (lambda d: d["katas"][3].update(frameworks={}), "kata 'sampling': field 'frameworks' is {}"),
    (lambda d: d["katas"][3].update(frameworks=["numpy"]), "kata 'sampling': field 'frameworks' is ['numpy']"),
    (lambda d: d["katas"][4]["frameworks"].update(torch={"forbidden": ["torch", "torch.softmax"]}),
     "kata 'softmax': field 'frameworks', framework 'torch' forbids 'torch' itself"),
    (lambda d: d["katas"][4]["frameworks"].update(torch=["torch.softmax"]),
     "kata 'softmax': field 'frameworks', framework 'torch': expected {forbidden: [...]}"),
    (lambda d: d["katas"][4]["frameworks"].update(torch={"forbidden": ["torch softmax"]}),
     "kata 'softmax': field 'frameworks', framework 'torch': 'forbidden' is ['torch softmax']"),
    (lambda d: d["katas"][3].update(framework="numpy"), "kata 'sampling': field 'framework' is now part of 'frameworks'"),
    (lambda d: d["katas"][3].update(id="sampling_torch"), "an id may not end in _torch"),
    (lambda d: d["katas"][4].update(memory_mb=-1), "kata 'softmax': field 'memory_mb' is -1"),
    (lambda d: d["katas"][5].update(forbidden=["torch nn"]), "kata 'norms': field 'forbidden' is now part of"),
    (lambda d: d["katas"][6].update(follow_ups=[{"a": "b"}]), "kata 'bpe': field 'follow_ups'"),
    (lambda d: d["katas"][6]["follow_ups"].__setitem__(1, "Why?"),
     "kata 'bpe': field 'follow_ups', entry 2 is 'Why?'; expected {question: ..., answer: ...}"),
    (lambda d: d["katas"][1]["follow_ups"][2].pop("answer"),
     "kata 'multihead': field 'follow_ups', entry 3 has the fields question; expected exactly question and answer"),
    (lambda d: d["katas"][0]["follow_ups"][0].update(answer="  "),
     "kata 'attention': field 'follow_ups', entry 1: 'answer' is '  '; expected a non-empty string"),
    (lambda d: d["katas"][2].update(follow_ups=[]), "kata 'kv_cache': field 'follow_ups' is []"),
    (lambda d: d["katas"][7].update(colour="red"), "kata 'rope': unknown field 'colour'"),
    (lambda d: d["katas"][8].update(kata_timeout_s=1), "kata 'kmeans': field 'kata_timeout_s' (1) is below timeout_s"),
    (lambda d: d["katas"][4].update(levels={"logsumexp": {}}), "kata 'softmax': field 'levels' is"),
    (lambda d: d["katas"][4]["levels"][0].update(file="new"), "kata 'softmax': level 'logsumexp': field 'file' is 'new'"),
    (lambda d: d["katas"][4]["levels"][1].update(functions=[]), "level 'label_smoothing': field 'functions' is []"),
    (lambda d: d["katas"][9].update(id="Log Reg"), "field 'id' is 'Log Reg'"),
    (lambda d: d["katas"].append(dict(d["katas"][0])), "kata 'attention' appears twice"),
    (lambda d: d.update(katas={"attention": {}}), "expected a top-level `katas:` list"),
    (lambda d: d["katas"].__setitem__(0, "attention"), "katas[0]: expected a mapping of fields"),
])
def test_bad_entries_name_the_kata_and_the_field(tmp_path, mutate, message):
    with pytest.raises(ManifestError) as error:
        load_manifest(write_manifest(tmp_path, mutate))
    assert message in str(error.value)


def test_unreadable_manifests(tmp_path):
    bad_yaml = tmp_path / "kata.yaml"
    bad_yaml.write_text("katas: [\n  - id: x\n")
    with pytest.raises(ManifestError, match="not valid YAML"):
        load_manifest(bad_yaml)
    with pytest.raises(ManifestError, match="not found"):
        load_manifest(tmp_path / "missing.yaml")
    binary = tmp_path / "binary.yaml"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(ManifestError, match="cannot be read"):
        load_manifest(binary)


def test_cli_reports_a_broken_manifest_without_a_traceback(tmp_path):
    (tmp_path / "kata.yaml").write_text("katas:\n  - id: attention\n    stars: lots\n")
    proc = run_graders("list", root=tmp_path)
    assert proc.returncode == 2
    assert "kata 'attention'" in proc.stderr and "Traceback" not in proc.stderr
