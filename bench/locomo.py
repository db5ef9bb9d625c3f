"""LoCoMo's conversations in the shape of bench/written/, for bench/recall_written.py --data.

LoCoMo (Maharana et al., 2024; github.com/snap-research/locomo, data/locomo10.json) is the
held-out long-conversation memory benchmark issue 3 names. It is not in this repository (its
licence is CC BY-NC 4.0, and retrieval is not tuned to it): bring the file, convert it, measure.

    python bench/locomo.py locomo10.json /tmp/locomo      # one conv-N.json per conversation
    python bench/recall_written.py --data /tmp/locomo     # recall@10: vector, fusion, Lumia

A turn's shared photo is written after its words as "[photo: caption]", as in bench/written/.
LoCoMo's categories become the written ones: 1 multi, 2 temporal, 3 open, 4 single, and
5 adversarial (questions on something never said; their evidence is the nearest turn). A question
without evidence is left out: recall@10 has nothing to count. An evidence id that names no turn
once its spacing and leading zeros are read leniently ("D30:05", "D:11:26") stays, and counts as
missed; how many there are is printed.
"""

import argparse
import json
import re
import sys
from pathlib import Path

CATEGORIES = {1: "multi", 2: "temporal", 3: "open", 4: "single", 5: "adversarial"}
_EVIDENCE = re.compile(r"D\s*:?\s*(\d+)\s*:\s*(\d+)")


def evidence_ids(raw: list[str]) -> list[str]:
    """Each id as `D<session>:<turn>` without leading zeros; one cell may hold several ids."""
    ids: list[str] = []
    for cell in raw:
        found = [f"D{int(s)}:{int(t)}" for s, t in _EVIDENCE.findall(cell)]
        ids += found or [cell.strip()]
    return list(dict.fromkeys(ids))


def convert(sample: dict) -> tuple[dict, int]:
    """One LoCoMo sample as a written conversation, and how many evidence ids name no turn."""
    talk = sample["conversation"]
    sessions = []
    number = 1
    while f"session_{number}" in talk:
        turns = []
        for turn in talk[f"session_{number}"]:
            text = turn["text"]
            if turn.get("blip_caption"):
                text = f"{text} [photo: {turn['blip_caption']}]"
            turns.append({"id": turn["dia_id"], "speaker": turn["speaker"], "text": text})
        sessions.append({"date_time": talk[f"session_{number}_date_time"], "turns": turns})
        number += 1
    said = {turn["id"] for session in sessions for turn in session["turns"]}
    questions, unknown = [], 0
    for qa in sample["qa"]:
        evidence = evidence_ids(qa.get("evidence") or [])
        if not evidence:
            continue
        unknown += sum(e not in said for e in evidence)
        questions.append({"question": qa["question"], "evidence": evidence,
                          "category": CATEGORIES[int(qa["category"])]})
    written = {"lang": "en", "speakers": [talk["speaker_a"], talk["speaker_b"]], "sessions": sessions,
               "questions": questions}
    return written, unknown


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("source", type=Path, help="LoCoMo's locomo10.json")
    parser.add_argument("out", type=Path, help="directory for the converted conversations")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    for sample in json.loads(args.source.read_text(encoding="utf-8")):
        written, unknown = convert(sample)
        path = args.out / f"{sample['sample_id']}.json"
        path.write_text(json.dumps(written, ensure_ascii=False, indent=1), encoding="utf-8")
        turns = sum(len(s["turns"]) for s in written["sessions"])
        print(f"{path}: {len(written['sessions'])} sessions, {turns} turns, {len(written['questions'])} questions"
              f"{f', {unknown} evidence ids name no turn' if unknown else ''}", file=sys.stderr)


if __name__ == "__main__":
    main()
