#!/usr/bin/python3
# jsonschema-check.py: validate hvclock --json documents against docs/hvclock.schema.json with
# Debian's python3-jsonschema (the stock validator), run by /usr/bin/python3 on purpose.
# Usage: jsonschema-check.py SCHEMA FILE...   ("-" reads stdin). Exit 0: all valid;
# 1: one line per problem on stderr (FILE: $.path: message); 77: no python3-jsonschema.
import json
import sys

try:
    import jsonschema
except ImportError:
    print("jsonschema-check: python3-jsonschema is not installed", file=sys.stderr)
    sys.exit(77)


def main():
    if len(sys.argv) < 3:
        print("usage: jsonschema-check.py SCHEMA FILE...", file=sys.stderr)
        return 2
    with open(sys.argv[1], encoding="utf-8") as f:
        schema = json.load(f)
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    validator = cls(schema)
    bad = 0
    for name in sys.argv[2:]:
        try:
            if name == "-":
                doc = json.load(sys.stdin)
            else:
                with open(name, encoding="utf-8") as f:
                    doc = json.load(f)
        except (OSError, ValueError) as e:
            print(f"{name}: not JSON: {e}", file=sys.stderr)
            bad += 1
            continue
        for e in sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path)):
            path = "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in e.absolute_path)
            print(f"{name}: {path}: {e.message[:300]}", file=sys.stderr)
            bad += 1
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
