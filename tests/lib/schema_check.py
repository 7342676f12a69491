#!/usr/bin/env python3
"""Validate a JSON document on stdin against a JSON Schema file (Debian python3-jsonschema)."""
import json
import sys

import jsonschema


def main():
    with open(sys.argv[1]) as f:
        schema = json.load(f)
    doc = json.loads(sys.stdin.read())
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    errors = sorted(cls(schema).iter_errors(doc), key=lambda e: list(e.path))
    for err in errors:
        print("schema: %s: %s" % ("/".join(map(str, err.path)) or "(root)", err.message),
              file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
