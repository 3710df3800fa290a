"""The script a user would write instead of `batchai receive`: join OpenAI batch output lines back to the CSV rows.

Usage: python3 join.py <input.csv> <joined.csv> <output.jsonl> [<output.jsonl> ...]
       python3 join.py <input.csv> <joined.csv> --download <base-url> <file-id> [<file-id> ...]
Loads every result into a dict by custom_id (the obvious way: the output file's order is not the input's), then
writes each input row with the answer's status, text and token counts. The output files are read from disk already
downloaded, or (--download) streamed from GET <base-url>/files/<id>/content with OPENAI_API_KEY, as batchai receive
does as part of what is timed.
"""
import csv
import io
import json
import os
import sys
import urllib.request

source, target, outputs = sys.argv[1], sys.argv[2], sys.argv[3:]


def output_files():
    """Each output file as lines of text: from disk, or downloaded."""
    if outputs[0] != "--download":
        for path in outputs:
            with open(path, encoding="utf-8") as lines:
                yield lines
        return
    base, ids = outputs[1], outputs[2:]
    for file_id in ids:
        request = urllib.request.Request(f"{base}/files/{file_id}/content",
                                         headers={"Authorization": "Bearer " + os.environ["OPENAI_API_KEY"]})
        with urllib.request.urlopen(request) as response:
            yield io.TextIOWrapper(response, encoding="utf-8")


results = {}
for lines in output_files():
    for text in lines:
        if not text.strip():
            continue
        line = json.loads(text)
        response = line.get("response") or {}
        body = response.get("body") or {}
        if response.get("status_code") == 200:
            usage = body.get("usage", {})
            results[line["custom_id"]] = ("succeeded", body["choices"][0]["message"]["content"], "",
                                          usage.get("prompt_tokens", ""), usage.get("completion_tokens", ""))
        else:
            error = line.get("error") or body.get("error") or {}
            results[line["custom_id"]] = ("failed", "", error.get("message", ""), "", "")

with open(source, newline="", encoding="utf-8") as rows, open(target, "w", newline="", encoding="utf-8") as out:
    reader = csv.DictReader(rows)
    writer = csv.writer(out)
    writer.writerow(reader.fieldnames + ["custom_id", "status", "output", "error", "input_tokens", "output_tokens"])
    for row in reader:
        status, output, error, tokens_in, tokens_out = results.get(row["ticket_id"], ("missing", "", "", "", ""))
        writer.writerow(list(row.values()) + [row["ticket_id"], status, output, error, tokens_in, tokens_out])
