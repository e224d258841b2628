"""Read one YAML file into plain values that remember their line, within fixed bounds.

Knowledge and config files are written by people and may be hostile or simply broken, so
this reader, unlike ``yaml.safe_load``:

- keeps nothing between reads: each read has its own constructor, dropped afterwards (a
  module-level loader used to keep every constructed object, 1.7 MB per knowledge load);
- uses libyaml's parser (``CSafeLoader``) when it is installed, the pure-Python one
  otherwise; the events both give carry line numbers, and the tree is built from them
  here, without recursion;
- bounds the work: file size, nesting depth and the number of values after expanding
  aliases (a "billion laughs" is a few lines that expand to 10^9 values) are limited, and
  each limit fails at once with its own message;
- reports every failure as a ``YamlProblem``: a line, a Dutch message with a hint for the
  editors who keep the knowledge, and the English detail for operators' logs.

A leaf package: it imports nothing from the rest of the bot (``bot.config`` uses it too).
"""

from bot.safe_yaml.problem import MAX_DEPTH, MAX_VALUES, YamlProblem
from bot.safe_yaml.reader import MAX_FILE_BYTES, Located, decode, parse_yaml, read_yaml_file
from bot.safe_yaml.recovery import read_with_recovery

__all__ = [
    "MAX_DEPTH",
    "MAX_FILE_BYTES",
    "MAX_VALUES",
    "Located",
    "YamlProblem",
    "decode",
    "parse_yaml",
    "read_with_recovery",
    "read_yaml_file",
]
