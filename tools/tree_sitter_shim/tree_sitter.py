"""A minimal stand-in for the py-tree-sitter package, over Debian's libtree-sitter (ctypes).

Only for generating golden values (tools/gen_codebleu_fixtures.py): it offers what the CodeBLEU
reference code uses (Language, Parser.parse, Node.type/children/start_point/end_point/
child_by_field_name/str) so that code runs unchanged against the real tree-sitter-python grammar.
"""
import ctypes
import os

_LIB = ctypes.CDLL(os.environ.get("TREE_SITTER_LIB", "libtree-sitter.so.0"))


class _TSNode(ctypes.Structure):
    _fields_ = [("context", ctypes.c_uint32 * 4), ("id", ctypes.c_void_p), ("tree", ctypes.c_void_p)]


class _TSPoint(ctypes.Structure):
    _fields_ = [("row", ctypes.c_uint32), ("column", ctypes.c_uint32)]


class _TSTreeCursor(ctypes.Structure):
    _fields_ = [("tree", ctypes.c_void_p), ("id", ctypes.c_void_p), ("context", ctypes.c_uint32 * 2)]


def _fn(name, restype, *argtypes):
    f = getattr(_LIB, name)
    f.restype = restype
    f.argtypes = list(argtypes)
    return f


_parser_new = _fn("ts_parser_new", ctypes.c_void_p)
_parser_set_language = _fn("ts_parser_set_language", ctypes.c_bool, ctypes.c_void_p, ctypes.c_void_p)
_parse_string = _fn("ts_parser_parse_string", ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p,
                    ctypes.c_char_p, ctypes.c_uint32)
_root_node = _fn("ts_tree_root_node", _TSNode, ctypes.c_void_p)
_node_type = _fn("ts_node_type", ctypes.c_char_p, _TSNode)
_node_is_named = _fn("ts_node_is_named", ctypes.c_bool, _TSNode)
_node_start = _fn("ts_node_start_point", _TSPoint, _TSNode)
_node_end = _fn("ts_node_end_point", _TSPoint, _TSNode)
_node_string = _fn("ts_node_string", ctypes.c_void_p, _TSNode)
_cursor_new = _fn("ts_tree_cursor_new", _TSTreeCursor, _TSNode)
_cursor_delete = _fn("ts_tree_cursor_delete", None, ctypes.POINTER(_TSTreeCursor))
_cursor_first_child = _fn("ts_tree_cursor_goto_first_child", ctypes.c_bool, ctypes.POINTER(_TSTreeCursor))
_cursor_next_sibling = _fn("ts_tree_cursor_goto_next_sibling", ctypes.c_bool, ctypes.POINTER(_TSTreeCursor))
_cursor_node = _fn("ts_tree_cursor_current_node", _TSNode, ctypes.POINTER(_TSTreeCursor))
_cursor_field = _fn("ts_tree_cursor_current_field_name", ctypes.c_char_p, ctypes.POINTER(_TSTreeCursor))
_libc = ctypes.CDLL("libc.so.6")
_libc.free.argtypes = [ctypes.c_void_p]


class Language:
    def __init__(self, pointer):
        self.pointer = pointer


class Node:
    def __init__(self, raw, tree):
        self._raw = raw
        self._tree = tree  # keeps the tree alive
        self.type = _node_type(raw).decode("utf-8")
        self.is_named = _node_is_named(raw)
        s, e = _node_start(raw), _node_end(raw)
        self.start_point = (s.row, s.column)
        self.end_point = (e.row, e.column)
        self._children = None
        self._fields = None

    def _load(self):
        if self._children is not None:
            return
        self._children, self._fields = [], []
        cursor = _cursor_new(self._raw)
        if _cursor_first_child(ctypes.byref(cursor)):
            while True:
                self._children.append(Node(_cursor_node(ctypes.byref(cursor)), self._tree))
                field = _cursor_field(ctypes.byref(cursor))
                self._fields.append(field.decode("utf-8") if field else None)
                if not _cursor_next_sibling(ctypes.byref(cursor)):
                    break
        _cursor_delete(ctypes.byref(cursor))

    @property
    def children(self):
        self._load()
        return self._children

    def child_by_field_name(self, name):
        self._load()
        for child, field in zip(self._children, self._fields):
            if field == name:
                return child
        return None

    def fields(self):
        self._load()
        return self._fields

    def __str__(self):
        p = _node_string(self._raw)
        s = ctypes.cast(p, ctypes.c_char_p).value.decode("utf-8")
        _libc.free(p)
        return s


class Tree:
    def __init__(self, pointer, source):
        self.pointer = pointer
        self.source = source

    @property
    def root_node(self):
        return Node(_root_node(self.pointer), self)


class Parser:
    def __init__(self):
        self._pointer = _parser_new()
        self._language = None

    @property
    def language(self):
        return self._language

    @language.setter
    def language(self, language):
        self._language = language
        _parser_set_language(self._pointer, language.pointer)

    def parse(self, source):
        return Tree(_parse_string(self._pointer, None, source, len(source)), source)
