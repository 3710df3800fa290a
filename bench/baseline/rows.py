"""Writes N ticket rows (4 columns with quotes, commas, line breaks and non-ASCII text) for the bench scripts.

Usage: python3 rows.py <n> <path.csv>
"""
import csv
import sys

n, path = int(sys.argv[1]), sys.argv[2]
with open(path, "w", newline="", encoding="utf-8") as f:
    w = csv.writer(f, lineterminator="\r\n")
    w.writerow(["ticket_id", "subject", "body", "customer"])
    for i in range(1, n + 1):
        w.writerow([f"T-{i:07d}", f"Subject {i}, with a comma", f"Body of ticket {i}: \"quoted\"\nsecond line, Zoë 日本語", f"Customer {i % 97}"])
