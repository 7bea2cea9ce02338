"""Stand-in for the tree_sitter_python package: the grammar compiled from tree-sitter-python
0.21.0's parser.c/scanner.c (npm tarball) into the shared library named by TREE_SITTER_PYTHON."""
import ctypes
import os

_GRAMMAR = ctypes.CDLL(os.environ["TREE_SITTER_PYTHON"])
_GRAMMAR.tree_sitter_python.restype = ctypes.c_void_p


def language():
    return _GRAMMAR.tree_sitter_python()
