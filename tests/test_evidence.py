"""The judge keeps its own evidence: real attacks on it (tests/misbehaving/evidence_*.py, each appended
to its kata's reference), graded through the real engine on the real katas. Each attack rewrites, in
the solution's process, the evidence a hidden test reads (a toy's call log, a fetch counter, a mode
recorder, the reported inputs) or passes a determinism check from memory, and each passed before the
evidence moved out of its reach: now the test it targets fails, sandbox or not. The last ones modify
a list argument and forge its report (the judge now checks a consequence it sees itself), or draw from
a global random state and put it back (the judge now asks again in a fresh process whose global state
it seeded otherwise).

CI has bubblewrap (SANDBOX_MODE is "require" there): the attacks are graded in the sandbox.
"""

import json

import pytest

from conftest import REPO, SANDBOX_MODE, run_graders

MISBEHAVING = REPO / "tests" / "misbehaving"

# (attack, kata, the hidden test it fools no more)
ATTACKS = [
    ("evidence_speculative_rewrites_call_log", "speculative", "test_one_target_call_and_k_draft_calls_per_step"),
    ("evidence_dataloader_resets_fetch_counter", "dataloader", "test_items_are_fetched_only_when_needed"),
    ("evidence_dataloader_caches_first_order", "dataloader", "test_same_seed_and_epoch_give_the_same_batches"),
    ("evidence_kmeans_memoises_ignores_seed", "kmeans", "test_same_seed_gives_identical_results"),
    ("evidence_softmax_modifies_input_patches_worker", "softmax", "test_inputs_are_not_modified"),
    ("evidence_tiny_transformer_generate_in_train_mode", "tiny_transformer", "test_generate_runs_the_model_in_eval_mode"),
    ("evidence_sampling_beam_modifies_prefix_patches_worker", "sampling", "test_prefix_is_not_modified"),
    ("evidence_dataloader_shuffles_dataset_forges_its_report", "dataloader", "test_dataset_is_not_modified"),
    ("evidence_kmeans_global_state_saved_and_restored", "kmeans", "test_same_seed_gives_identical_results"),
    ("evidence_logreg_global_state_saved_and_restored", "logreg", "test_same_seed_same_result_and_the_seed_matters"),
    ("evidence_speculative_global_state_saved_and_restored", "speculative", "test_same_seed_gives_the_same_tokens"),
    ("evidence_tiny_transformer_memoises_unseeded_samples", "tiny_transformer",
     "test_a_seeded_generator_reproduces_the_samples"),
]


def attack_solution(name, kata, folder):
    """The kata's reference with the attack appended, as a learner's file `folder/<kata>.py`."""
    folder.mkdir(parents=True, exist_ok=True)
    reference = (REPO / "graders" / "keys" / kata / "reference.py").read_text()
    path = folder / f"{kata}.py"
    path.write_text(reference + "\n\n" + (MISBEHAVING / f"{name}.py").read_text())
    return path


@pytest.mark.parametrize("name, kata, target", ATTACKS, ids=[a[0].removeprefix("evidence_") for a in ATTACKS])
def test_rewritten_evidence_fails_the_test_it_targets(tmp_path, name, kata, target):
    solution = attack_solution(name, kata, tmp_path / "solutions")
    out = tmp_path / "result.json"
    proc = run_graders("grade", kata, "--solution", solution, "--json", out, "--sandbox", SANDBOX_MODE)
    assert out.is_file(), proc.stdout + proc.stderr
    result = json.loads(out.read_text())
    outcomes = {t["name"]: t for t in result["tests"]}
    assert outcomes[target]["status"] == "failed", (outcomes[target], proc.stdout)
    assert result["status"] == "failed"
