"""Writes registry:2-style config.yml files from nested dicts (block style).

Scalars are written as JSON strings/numbers, which YAML reads unchanged, so
no escaping rules of our own are needed.
"""
import json


def _scalar(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    return json.dumps(str(value))


def _emit(value, indent, out):
    pad = "  " * indent
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, (dict, list)) and item:
                out.append(f"{pad}{key}:")
                _emit(item, indent + 1, out)
            elif isinstance(item, (dict, list)):
                out.append(f"{pad}{key}: {'{}' if isinstance(item, dict) else '[]'}")
            else:
                out.append(f"{pad}{key}: {_scalar(item)}")
    elif isinstance(value, list):
        for item in value:
            if isinstance(item, dict) and item:
                # "- key: value" with the mapping's other keys aligned under the first
                entry = []
                _emit(item, indent + 1, entry)
                entry[0] = f"{pad}- {entry[0][len(pad) + 2:]}"
                out.extend(entry)
            elif isinstance(item, (dict, list)):
                raise ValueError("nested or empty lists/mappings in a list are not supported")
            else:
                out.append(f"{pad}- {_scalar(item)}")


def dumps(config):
    out = []
    _emit(config, 0, out)
    return "\n".join(out) + "\n"


def write(path, config):
    with open(path, "w") as f:
        f.write(dumps(config))
    return str(path)
