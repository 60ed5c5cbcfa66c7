"""Nothing a user sends, and no file the app loads, can run code or reach the server's files.

Static checks of the source (Python's ast, so comments and strings do not count) of cnnlab/ and
pages/: models are loaded in Keras safe mode, nothing is unpickled, no raw HTML is shown, pages open
no paths, an upload's bytes go only to cnnlab.uploads.load_upload, and cnnlab/uploads.py writes
nothing. Each checker is also run on a small bad example, so a checker that sees nothing fails too.
That safe mode really refuses a Lambda layer is tested in tests/test_models.py.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parent.parent
SOURCES = sorted([*(PROJECT / "cnnlab").rglob("*.py"), *(PROJECT / "pages").glob("*.py")])
PAGES = sorted((PROJECT / "pages").glob("*.py"))
UPLOADS = PROJECT / "cnnlab" / "uploads.py"
UNPICKLERS = {"pickle", "cPickle", "_pickle", "dill", "cloudpickle", "joblib", "shelve", "marshal"}
FILE_WRITERS = {"save", "write_bytes", "write_text", "tofile", "savez", "savez_compressed", "mkdir", "touch"}
FILE_WRITERS |= {"unlink", "rmtree", "copyfile", "copytree"}
WRITING_MODULES = {"os", "shutil", "tempfile", "pathlib"}
FILE_READERS = {"open", "read_bytes", "read_text", "load", "loadtxt", "fromfile", "load_model", "listdir", "glob"}


def parse(path: Path) -> ast.Module:
    return ast.parse(path.read_text(), filename=str(path))


def call_name(call: ast.Call) -> str:
    """The called name: "open" for open(...), "load_model" for keras.saving.load_model(...)."""
    function = call.func
    if isinstance(function, ast.Attribute):
        return function.attr
    if isinstance(function, ast.Name):
        return function.id
    return ""


def dotted(node: ast.AST) -> str:
    """ "keras.saving.load_model" for that expression, "" for anything that is not a dotted name."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        inner = dotted(node.value)
        return f"{inner}.{node.attr}" if inner else ""
    return ""


def keyword_is(call: ast.Call, name: str, value) -> bool:
    return any(
        keyword.arg == name and isinstance(keyword.value, ast.Constant) and keyword.value.value is value
        for keyword in call.keywords
    )


def calls(tree: ast.AST):
    return (node for node in ast.walk(tree) if isinstance(node, ast.Call))


# The checkers: source tree in, list of findings out ----------------------------------------------


def unsafe_model_loading(tree: ast.AST) -> list[str]:
    """load_model calls without safe_mode=True, and any switch to unsafe deserialisation."""
    found = []
    for call in calls(tree):
        if call_name(call) == "load_model" and not keyword_is(call, "safe_mode", True):
            found.append(f"line {call.lineno}: {dotted(call.func) or 'load_model'}(...) without safe_mode=True")
        if call_name(call) == "enable_unsafe_deserialization":
            found.append(f"line {call.lineno}: enable_unsafe_deserialization()")
    return found


def unpickling(tree: ast.AST) -> list[str]:
    """Imports of pickle and its relatives, and allow_pickle=True."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name.split(".")[0] for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [(node.module or "").split(".")[0]]
        else:
            names = []
        found += [f"line {node.lineno}: imports {name}" for name in names if name in UNPICKLERS]
    found += [
        f"line {call.lineno}: allow_pickle=True" for call in calls(tree) if keyword_is(call, "allow_pickle", True)
    ]
    return found


def raw_html(tree: ast.AST) -> list[str]:
    """unsafe_allow_html=True anywhere, and st.html / components.html, which show raw HTML."""
    found = []
    for call in calls(tree):
        if keyword_is(call, "unsafe_allow_html", True):
            found.append(f"line {call.lineno}: {dotted(call.func)}(..., unsafe_allow_html=True)")
        if dotted(call.func) in ("st.html", "components.html", "st.components.v1.html"):
            found.append(f"line {call.lineno}: {dotted(call.func)}(...)")
    return found


def page_file_access(tree: ast.AST) -> list[str]:
    """Anything in a page that opens or lists a path: open(), Path(), .read_text(), np.load(), ..."""
    found = []
    for call in calls(tree):
        name = call_name(call)
        if name in FILE_READERS or name in FILE_WRITERS or name in ("Path", "PurePath"):
            found.append(f"line {call.lineno}: {dotted(call.func) or name}(...)")
    return found


def upload_flow(tree: ast.AST) -> list[str]:
    """Where a file_uploader's result goes, if anywhere but its bytes into read_upload / load_upload.

    Allowed: `upload is None`, `upload.name` in an f-string (a message), and
    `upload.getvalue()` / `upload.read()` as the direct argument of read_upload(...) or
    uploads.load_upload(...). And read_upload, if defined, must hand its argument to load_upload.
    """
    uploaded = {
        target.id
        for node in ast.walk(tree)
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call)
        if call_name(node.value) == "file_uploader"
        for target in node.targets
        if isinstance(target, ast.Name)
    }
    parents = {child: parent for parent in ast.walk(tree) for child in ast.iter_child_nodes(parent)}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id in uploaded and isinstance(node.ctx, ast.Load):
            if not _allowed_upload_use(node, parents):
                found.append(f"line {node.lineno}: the upload {node.id!r} is used as {ast.unparse(parents[node])}")
    for function in ast.walk(tree):
        if isinstance(function, ast.FunctionDef) and function.name == "read_upload":
            argument = function.args.args[0].arg
            hands_on = any(
                call_name(call) == "load_upload" and any(dotted(given) == argument for given in call.args)
                for call in calls(function)
            )
            if not hands_on:
                found.append(f"line {function.lineno}: read_upload does not pass {argument!r} to load_upload")
    return found


def _allowed_upload_use(node: ast.Name, parents: dict) -> bool:
    parent = parents[node]
    if isinstance(parent, ast.Compare) and all(isinstance(op, ast.Is | ast.IsNot) for op in parent.ops):
        return True
    if not isinstance(parent, ast.Attribute):
        return False
    if parent.attr == "name":  # the file's name, shown in a message (escaped for markdown by plain())
        holder = parents.get(parent)
        if isinstance(holder, ast.Call) and call_name(holder) == "plain":
            holder = parents.get(holder)
        return isinstance(holder, ast.FormattedValue)
    call = parents.get(parent)
    if parent.attr not in ("getvalue", "read") or not isinstance(call, ast.Call) or call.args:
        return False
    receiver = parents.get(call)
    return isinstance(receiver, ast.Call) and call_name(receiver) in ("read_upload", "load_upload")


def writes(tree: ast.AST) -> list[str]:
    """File writing: open() at all, Image.open() of anything but bytes in memory, .save(), .write_bytes(), ..."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            modules = [alias.name for alias in node.names] if isinstance(node, ast.Import) else [node.module or ""]
            found += [f"line {node.lineno}: imports {name}" for name in modules if name in WRITING_MODULES]
    for call in calls(tree):
        name = call_name(call)
        if name in FILE_WRITERS or name in ("write", "writelines"):
            found.append(f"line {call.lineno}: {dotted(call.func) or name}(...)")
        elif name == "open":
            in_memory = (
                dotted(call.func) == "Image.open"
                and len(call.args) == 1
                and isinstance(call.args[0], ast.Call)
                and dotted(call.args[0].func) == "io.BytesIO"
            )
            if not in_memory:
                found.append(f"line {call.lineno}: {dotted(call.func) or 'open'}(...)")
    return found


# The app's source ---------------------------------------------------------------------------------


def findings(checker, paths) -> list[str]:
    return [f"{path.relative_to(PROJECT)} {finding}" for path in paths for finding in checker(parse(path))]


def test_the_sources_are_found():
    names = {path.relative_to(PROJECT).as_posix() for path in SOURCES}
    assert {"cnnlab/models.py", "cnnlab/uploads.py", "pages/draw.py", "pages/shared.py"} <= names


def test_every_model_is_loaded_in_keras_safe_mode():
    assert findings(unsafe_model_loading, SOURCES) == []
    loads = sum(call_name(call) == "load_model" for path in SOURCES for call in calls(parse(path)))
    assert loads >= 1, "no load_model call found: the check would prove nothing"


def test_nothing_is_unpickled():
    assert findings(unpickling, SOURCES) == []


def test_no_raw_html_is_shown():
    assert findings(raw_html, SOURCES) == []


def test_pages_open_no_paths():
    assert findings(page_file_access, PAGES) == []


def test_an_upload_only_goes_to_load_upload():
    assert findings(upload_flow, PAGES) == []
    inputs = parse(PROJECT / "pages" / "inputs.py")
    assert any(call_name(call) == "file_uploader" for call in calls(inputs)), "the Draw page's inputs have no uploader"


def test_uploads_are_never_written():
    assert writes(parse(UPLOADS)) == []


# Each checker sees what it is there to see --------------------------------------------------------

BAD = {
    unsafe_model_loading: [
        "keras.saving.load_model(path)",
        "keras.models.load_model(path, safe_mode=False)",
        "load_model(path, compile=False, safe_mode=flag)",
        "keras.config.enable_unsafe_deserialization()",
    ],
    unpickling: [
        "import pickle",
        "from joblib import load",
        "import cloudpickle as cp",
        "np.load(path, allow_pickle=True)",
    ],
    raw_html: [
        "st.markdown(text, unsafe_allow_html=True)",
        "st.write(text, unsafe_allow_html=True)",
        "st.html(text)",
    ],
    page_file_access: [
        "open(name).read()",
        "Path(st.text_input('File'))",
        "Image.open(path)",
        "pathlib.Path(x).read_bytes()",
        "np.load(name)",
    ],
    upload_flow: [
        "upload = st.file_uploader('x')\nopen(upload.name)",
        "upload = st.file_uploader('x')\nImage.open(upload)",
        "upload = st.file_uploader('x')\ncontent = upload.getvalue()",
        "upload = st.file_uploader('x')\nkeep(upload)",
        "def read_upload(content):\n    return preprocess(content)",
    ],
    writes: [
        "open(path, 'wb').write(data)",
        "Image.open(io.BytesIO(data)).save('upload.png')",
        "Path('x.png').write_bytes(data)",
        "import tempfile",
        "picture.save(buffer)",
        "Image.open(path)",
    ],
}
GOOD = {
    unsafe_model_loading: ["keras.saving.load_model(path, compile=False, safe_mode=True)"],
    unpickling: ["np.load(path, allow_pickle=False)", "import numpy"],
    raw_html: ["st.markdown('**bold**')"],
    page_file_access: ["st.markdown(name)", "shared.load_shipped(key)"],
    upload_flow: [
        "upload = st.file_uploader('x')\nif upload is None:\n    pass\n"
        "steps = read_upload(upload.getvalue())\nst.error(f'{upload.name}: bad')",
        "def read_upload(content):\n    return preprocess.preprocess_steps(uploads.load_upload(content))",
    ],
    writes: ["Image.open(io.BytesIO(data))", "picture.convert('L')"],
}


@pytest.mark.parametrize(
    "checker, source", [(checker, source) for checker, sources in BAD.items() for source in sources]
)
def test_each_checker_catches_a_bad_example(checker, source):
    assert checker(ast.parse(source)), f"{checker.__name__} missed: {source}"


@pytest.mark.parametrize(
    "checker, source", [(checker, source) for checker, sources in GOOD.items() for source in sources]
)
def test_each_checker_lets_safe_code_through(checker, source):
    assert checker(ast.parse(source)) == []
