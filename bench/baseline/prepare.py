"""The script a user would write instead of `batchai submit --dry-run`: one OpenAI batch request line per CSV row.

Usage: python3 prepare.py <input.csv> <requests.jsonl>
Reads the CSV with the csv module and writes each request with json.dumps, as OpenAI's batch guide shows; no
validation, no splitting into batches, no ledger. It is the baseline bench/versus-python.sh measures batchai against.
"""
import csv
import json
import sys

source, target = sys.argv[1], sys.argv[2]
with open(source, newline="", encoding="utf-8") as rows, open(target, "w", encoding="utf-8") as out:
    for row in csv.DictReader(rows):
        body = {
            "model": "gpt-4o-mini",
            "messages": [{"role": "user", "content": f"Classify: {row['subject']}\n{row['body']}"}],
        }
        line = {"custom_id": row["ticket_id"], "method": "POST", "url": "/v1/chat/completions", "body": body}
        out.write(json.dumps(line, ensure_ascii=False) + "\n")
