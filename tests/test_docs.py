"""
The docs are executed, not trusted.

* Every ```python block in docs/*.md runs, page by page and in order, as one session of a Django
  TransactionTestCase with a MemoryDeliveryStore as ``FileMeta.deliverystore``. Models a block
  defines belong to the app tests.docsapp and get real tables for the length of the page; Django
  test cases a block defines are run, and must pass. A block whose first line is ``# some/module.py`` becomes
  that importable module (later blocks import it). Only a block marked ```python no-run is skipped.
* Every command line in a sh/text/console block parses: ``manage.py <command> ...`` with that
  command's own parser, ``make <target>`` against the Makefile, ``python -m bench <name>``
  against bench/. Every ``--flag`` named in the prose exists on the command its section is about.
* Every file path, admin URL and relative link the docs (and the README) name exists; every
  setting the code reads is documented, and every documented setting is read.
* Every figure table in docs/benchmarks.md says when and on which commit it was measured.
* docs/layout.md's import rules hold for every module of ``deliveries/`` and ``factory/``, and its
  old -> new module map points at modules that exist, away from ones that do not.
"""

import ast
import io
import re
import shlex
import sys
import types
import unittest
from dataclasses import dataclass
from pathlib import Path

from django.apps import apps
from django.db import connection, models
from django.test import SimpleTestCase, TransactionTestCase
from django.urls import Resolver404, resolve

from deliveries.models import FileMeta
from deliveries.stores import MemoryDeliveryStore, swap_deliverystore

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
PAGES = sorted(DOCS.glob("*.md"))
README = ROOT / "README.md"

FENCE_RE = re.compile(r"^```([\w-]*)[ \t]*([^\n]*)\n(.*?)^```[ \t]*$", re.M | re.S)
MODULE_BLOCK_RE = re.compile(r"\A# ([\w/]+)\.py\n")
SHELL_LANGS = {"sh", "shell", "bash", "console", "text"}
PROJECT_COMMANDS = ("checkstore", "copystore", "ensuresuperuser", "seedfactory")
# The app whose label the models defined in docs/ get (it has no models of its own).
DOCS_APP = "tests.docsapp"
DOCS_APP_LABEL = "docsapp"


@dataclass(frozen=True)
class Block:
    page: Path
    line: int  # of the block's first code line
    lang: str
    options: str  # what follows the language, e.g. "no-run"
    code: str

    @property
    def where(self):
        return f"{self.page.relative_to(ROOT)}:{self.line}"


def fenced_blocks(path):
    text = path.read_text()
    for match in FENCE_RE.finditer(text):
        line = text.count("\n", 0, match.start()) + 2
        yield Block(path, line, match[1], match[2].strip(), match[3])


def prose(path):
    """The page without its fenced blocks (their lines kept empty, so line numbers stay)."""
    return FENCE_RE.sub(lambda m: "\n" * m[0].count("\n"), path.read_text())


def inline_code(text):
    return re.findall(r"`([^`\n]+)`", text)


# ---- executing the python blocks ----------------------------------------------------------------


class PageSession:
    """One page's python blocks, run in order in one namespace, as a reader would type them."""

    def __init__(self, page):
        self.page = page
        self.module_name = f"{DOCS_APP}.docs_{page.stem}"
        self.added_modules = []
        self.namespace = self._module(self.module_name).__dict__
        self.tables = []  # models whose tables this session created, to drop at the end

    def _module(self, dotted):
        """A fresh module registered in sys.modules (with its parent packages), removed by close()."""
        parent = dotted.rpartition(".")[0]
        if parent and parent not in sys.modules:
            package = self._module(parent)
            package.__path__ = []
        module = types.ModuleType(dotted)
        module.__file__ = str(self.page)
        sys.modules[dotted] = module
        self.added_modules.append(dotted)
        if parent:
            setattr(sys.modules[parent], dotted.rpartition(".")[2], module)
        return module

    def run(self, block):
        """
        Execute ``block`` statement by statement, as an interactive session would: a model gets its
        table as soon as its class statement has run, and a test case is run as soon as it is defined.
        """
        module_path = MODULE_BLOCK_RE.match(block.code)
        if module_path:
            namespace = self._module(module_path[1].replace("/", ".")).__dict__
        else:
            namespace = self.namespace
        # Leading newlines make tracebacks point at the line in the .md file.
        tree = ast.parse("\n" * (block.line - 1) + block.code, str(block.page))
        for statement in tree.body:
            before = dict(namespace)
            exec(compile(ast.Module([statement], type_ignores=[]), str(block.page), "exec"), namespace)
            defined = [v for k, v in namespace.items() if isinstance(v, type) and before.get(k) is not v]
            for model in defined:
                if issubclass(model, models.Model) and model._meta.app_label == DOCS_APP_LABEL:
                    with connection.schema_editor() as editor:
                        editor.create_model(model)
                    self.tables.append(model)
            for case in defined:
                if issubclass(case, unittest.TestCase) and case.__module__ == namespace["__name__"]:
                    self._run_case(case, block)

    @staticmethod
    def _run_case(case, block):
        suite = unittest.defaultTestLoader.loadTestsFromTestCase(case)
        output = io.StringIO()
        result = unittest.TextTestRunner(stream=output, verbosity=2).run(suite)
        if not result.wasSuccessful() or result.testsRun == 0 or result.skipped:
            raise AssertionError(f"{block.where}: {case.__name__} did not pass:\n{output.getvalue()}")

    def close(self):
        """Drop the tables, forget the models (no later test meets a model without a table), unload the modules."""
        with connection.schema_editor() as editor:
            for model in reversed(self.tables):
                editor.delete_model(model)
        apps.all_models[DOCS_APP_LABEL].clear()
        apps.clear_cache()
        for name in reversed(self.added_modules):
            sys.modules.pop(name, None)
            parent, _, child = name.rpartition(".")
            if parent in sys.modules:
                vars(sys.modules[parent]).pop(child, None)


class TestPythonExamples(TransactionTestCase):
    """Each page's python blocks run as written (one test per page, generated below)."""

    # TransactionTestCase: blocks create tables (SQLite cannot inside a transaction), the test
    # cases they define open their own transactions, and on_commit behaves as in production.

    def run_page(self, page):
        runnable = [b for b in fenced_blocks(page) if b.lang == "python" and b.options != "no-run"]
        with swap_deliverystore(FileMeta, MemoryDeliveryStore()):
            session = PageSession(page)
            try:
                for block in runnable:
                    with self.subTest(block=block.where):
                        session.run(block)
            finally:
                session.close()


def _page_test(page):
    def test(self):
        self.run_page(page)

    test.__doc__ = f"Every python block of docs/{page.name} runs and its asserts hold."
    return test


for _page in PAGES:
    if any(b.lang == "python" and b.options != "no-run" for b in fenced_blocks(_page)):
        setattr(TestPythonExamples, f"test_{_page.stem}", _page_test(_page))


class TestExampleMarkers(SimpleTestCase):
    def test_python_blocks_are_marked_only_to_opt_out(self):
        """A python block's info string is empty or no-run; a typo would silently skip a block."""
        for page in PAGES:
            for block in fenced_blocks(page):
                if block.lang == "python":
                    with self.subTest(block=block.where):
                        self.assertIn(block.options, ("", "no-run"))

    def test_the_examples_the_readme_tests_ran_are_still_run(self):
        """The flat store, its mixin test, and the factory's django_factory examples are in docs/."""
        stores = (DOCS / "stores.md").read_text()
        self.assertIn("```python\n# myproject/flatstore.py\n", stores)
        self.assertIn("```python\n# myproject/tests/test_flatstore.py\n", stores)
        factory = (DOCS / "factory.md").read_text()
        for needle in ("def get_active(", "number_of_people = 5", "def make_instance(", "model_generators = {User"):
            with self.subTest(needle=needle):
                self.assertIn(needle, factory)


class TestReadme(SimpleTestCase):
    def test_readme_is_a_door_not_a_manual(self):
        """The README stays short, starts with the commands, and links every page of docs/."""
        text = README.read_text()
        self.assertLessEqual(len(text.splitlines()), 150)
        for command in ("make run", "make test", "make lint"):
            with self.subTest(command=command):
                self.assertIn(command, text.split("## A short tour")[0])
        for page in PAGES:
            with self.subTest(page=page.name):
                self.assertIn(f"](docs/{page.name})", text)


# ---- command lines ------------------------------------------------------------------------------


def command_lines():
    """(block, line) for each command line of a shell-like block; prompts ("$ ") removed."""
    for page in [*PAGES, README]:
        for block in fenced_blocks(page):
            if block.lang in SHELL_LANGS:
                for offset, line in enumerate(block.code.splitlines()):
                    line = line.strip()
                    if block.lang != "sh" and not line.startswith("$ "):
                        continue  # output, not a command
                    yield block, block.line + offset, line.removeprefix("$ ")


def command_parser(name):
    from django.core.management import get_commands, load_command_class

    return load_command_class(get_commands()[name], name).create_parser("manage.py", name)


def option_strings(name):
    return set(command_parser(name)._option_string_actions)


class TestCommandLines(SimpleTestCase):
    def test_manage_py_lines_parse(self):
        """Every `manage.py <command> ...` in a block parses with that command's own parser."""
        from django.core.management import CommandError, get_commands

        seen = 0
        for block, line, text in command_lines():
            if "manage.py " not in text:
                continue
            words = shlex.split(text.split("manage.py ", 1)[1], comments=True)
            with self.subTest(line=f"{block.page.name}:{line}", command=words):
                self.assertIn(words[0], get_commands())
                try:
                    command_parser(words[0]).parse_args(words[1:])
                except CommandError as e:
                    self.fail(f"{block.page.name}:{line}: {text!r} does not parse: {e}")
                seen += 1
        self.assertGreater(seen, 10)

    def test_make_targets_and_benches_exist(self):
        """`make <target>` names a Makefile target; `python -m bench <name>` a bench module."""
        targets = set(re.findall(r"^([\w-]+):", (ROOT / "Makefile").read_text(), re.M))
        benches = {p.stem.removeprefix("bench_") for p in (ROOT / "bench").glob("bench_*.py")}
        for block, line, text in command_lines():
            words = shlex.split(text, comments=True)
            with self.subTest(line=f"{block.page.name}:{line}", command=words):
                if words[:1] == ["make"]:
                    self.assertTrue(set(w for w in words[1:] if "=" not in w) <= targets, targets)
                if words[1:3] == ["-m", "bench"]:
                    self.assertTrue(set(words[3:]) <= benches, benches)
        inline = [c for page in [*PAGES, README] for c in inline_code(prose(page))]
        for code in inline:
            words = code.split()
            if words[:1] == ["make"] and len(words) > 1:
                with self.subTest(code=code):
                    self.assertIn(words[1], targets)
            if words[:3] == ["python", "-m", "bench"] and len(words) > 3 and not words[3].startswith("<"):
                with self.subTest(code=code):
                    self.assertIn(words[3], benches)

    def test_flags_in_the_prose_exist(self):
        """Each `--flag` in the prose exists on the command it names, or its section is about (or one of ours)."""
        ours = {name: option_strings(name) for name in PROJECT_COMMANDS}
        django = option_strings("check") | option_strings("migrate") | option_strings("collectstatic")
        django |= option_strings("db_worker")  # django-tasks-db's worker (docs/operations.md)
        checked = 0
        for page in [*PAGES, README]:
            if page.name == "benchmarks.md":
                continue  # the benches' own options, not manage.py's
            section = ""
            for line_number, line in enumerate(prose(page).splitlines(), 1):
                if line.startswith("#"):
                    section = line
                    continue
                for code in inline_code(line):
                    for flag in re.findall(r"(?<![\w-])(--[a-z][a-z-]*)", code):
                        commands = (  # the command the code names, else the section's, else any of ours
                            [name for name in PROJECT_COMMANDS if name in code]
                            or [name for name in PROJECT_COMMANDS if name in section]
                            or PROJECT_COMMANDS
                        )
                        known = set().union(*(ours[name] for name in commands)) | django
                        with self.subTest(flag=flag, where=f"{page.name}:{line_number}"):
                            self.assertIn(flag, known, f"{flag} is not an option of {commands}")
                        checked += 1
        self.assertGreater(checked, 20)


# ---- paths, URLs, links, settings ---------------------------------------------------------------

PATH_RE = re.compile(r"\A(?:deliveries|tests|bench|factory|project|templates|docs)/[\w./-]*\Z")


def map_rows():
    """The rows of layout.md's old -> new table: (old paths, new paths)."""
    text = (DOCS / "layout.md").read_text()
    table = text.split("## Old -> new module map", 1)[1]
    for line in table.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("|") and len(cells) >= 2 and not set(cells[0]) <= set("-: "):
            old, new = (re.findall(r"`([^`]+)`", cell) for cell in cells[:2])
            if old or new:
                yield old, new


class TestNamedThingsExist(SimpleTestCase):
    def test_paths_exist(self):
        """Every repository path the docs and README name exists (but the old side of the module map)."""
        old = {path for paths, _ in map_rows() for path in paths}
        for page in [*PAGES, README]:
            for code in inline_code(prose(page)):
                code = code.split()[0] if code.split() else code
                if PATH_RE.match(code) and code not in old:
                    with self.subTest(path=code, page=page.name):
                        self.assertTrue((ROOT / code.rstrip("/")).exists(), f"{page.name} names {code}")
                elif re.fullmatch(r"test_\w+\.py", code):
                    with self.subTest(test_module=code, page=page.name):
                        self.assertTrue(list((ROOT / "tests").rglob(code)), f"{page.name} names {code}")

    def test_admin_urls_resolve(self):
        """Every /admin/... URL the docs name is one the site serves."""
        seen = 0
        for page in [*PAGES, README]:
            for code in inline_code(prose(page)):
                if code.startswith("/admin/"):
                    url = re.sub(r"<\w+>", "1", code.split("?")[0].split()[0])
                    with self.subTest(url=code, page=page.name):
                        try:
                            resolve(url)
                        except Resolver404:
                            self.fail(f"{page.name} names {code}, which no URL pattern serves")
                    seen += 1
        self.assertGreater(seen, 5)

    def test_links_lead_somewhere(self):
        """Relative links between the README and docs/ name pages and headings that exist."""
        for page in [*PAGES, README]:
            for target in re.findall(r"\]\(([^)\s]+)\)", prose(page)):
                if re.match(r"\w+://", target):
                    continue
                file, _, anchor = target.partition("#")
                path = (page.parent / file).resolve() if file else page
                with self.subTest(link=target, page=page.name):
                    self.assertTrue(path.exists(), f"{page.name} links to {target}")
                    if anchor and path.suffix == ".md":
                        self.assertIn(anchor, heading_anchors(path))

    def test_every_setting_is_documented_and_every_documented_one_is_read(self):
        """configuration.md and .env.example name every variable the code reads from the environment; no other is documented."""
        settings_py = (ROOT / "project" / "settings.py").read_text()
        read = set(re.findall(r"env\.\w+\(\s*\"([A-Z][A-Z0-9_]+)\"", settings_py))
        for module in (ROOT / "deliveries").rglob("*.py"):
            read |= set(re.findall(r"os\.environ\.get\(\s*\"([A-Z][A-Z0-9_]+)\"", module.read_text()))
        self.assertIn("DELIVERY_STORE_BACKEND", read)
        page = (DOCS / "configuration.md").read_text()
        documented = set(re.findall(r"`([A-Z][A-Z0-9_]{2,})`", page))
        example = set(re.findall(r"^(?:# ?)?([A-Z][A-Z0-9_]+)=", (ROOT / ".env.example").read_text(), re.M))
        for name in sorted(read):
            with self.subTest(setting=name):
                self.assertIn(name, documented)
                self.assertIn(name, example, f"{name} is not in .env.example")
        rows = [line for line in page.splitlines() if line.startswith("| `")]
        for row in rows:
            name = re.match(r"\| `([A-Z0-9_]+)`", row)
            if name:
                with self.subTest(documented=name[1]):
                    self.assertIn(name[1], read)


def heading_anchors(path):
    """GitHub's anchors of a page's headings."""
    anchors = set()
    for line in prose(path).splitlines():
        if line.startswith("#"):
            title = line.lstrip("#").strip().lower()
            anchors.add(re.sub(r"[^\w\- ]", "", title).replace(" ", "-"))
    return anchors


# ---- figures ------------------------------------------------------------------------------------

RULE_RE = re.compile(r"\A-+(?: +-+)+\Z")


class TestFigures(SimpleTestCase):
    def test_every_table_says_when_and_on_which_commit(self):
        """Each figure table in benchmarks.md is a printed table: a title, a "measured ..." line, a header."""
        tables = 0
        for block in fenced_blocks(DOCS / "benchmarks.md"):
            lines = block.code.splitlines()
            rules = [i for i, line in enumerate(lines) if RULE_RE.match(line.strip())]
            for i in rules:
                with self.subTest(table=f"{block.where}+{i}"):
                    self.assertGreaterEqual(i, 3, "a table needs a title, a measured line and a header")
                    self.assertRegex(lines[i - 2], r"\Ameasured .*commit [0-9a-f]{7,}")
                tables += 1
            if block.lang == "text":
                with self.subTest(block=block.where):
                    self.assertTrue(rules, "a text block in benchmarks.md is a printed table")
        self.assertGreaterEqual(tables, 8)
        self.assertNotIn("\n| ", prose(DOCS / "benchmarks.md"), "figures are printed tables, not markdown ones")

    def test_the_harness_prints_the_line_the_docs_expect(self):
        """bench.harness.print_table prints title, "measured <when> on commit <sha>", header, rule."""
        from contextlib import redirect_stdout

        from bench.harness import print_table

        out = io.StringIO()
        with redirect_stdout(out):
            print_table("A title", ["what", "ratio"], [["x", "1.00x"]])
        lines = out.getvalue().strip("\n").splitlines()
        self.assertEqual(lines[0], "A title")
        self.assertRegex(lines[1], r"\Ameasured \d{4}-\d\d-\d\d \d\d:\d\d UTC on commit ([0-9a-f]{7,}|unknown)")
        self.assertTrue(RULE_RE.match(lines[3]))


# ---- the layout ---------------------------------------------------------------------------------


def import_rules():
    """{part: (paths, allowed parts)} from layout.md's "What each part may import" table."""
    text = (DOCS / "layout.md").read_text()
    table = text.split("## What each part may import", 1)[1].split("\n## ", 1)[0]
    rules = {}
    for line in table.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("| `") and len(cells) == 3:
            part = cells[0].strip("`")
            rules[part] = (re.findall(r"`([^`]+)`", cells[1]), set(re.findall(r"`([^`]+)`", cells[2])))
    return rules


def part_of(path, rules):
    """The part whose most specific path covers ``path`` (relative to ROOT), or None."""
    best, length = None, -1
    for part, (paths, _) in rules.items():
        for prefix in paths:
            covers = path.startswith(prefix) if prefix.endswith("/") else path == prefix
            if covers and len(prefix) > length:
                best, length = part, len(prefix)
    return best


def imported_modules(path):
    """Absolute dotted names of what ``path`` imports (also inside functions)."""
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts)
    if path.name != "__init__.py":
        package = package.rpartition(".")[0]
    else:
        package = package.removesuffix(".__init__")
    names = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")
                parent = parent[: len(parent) - node.level + 1]
                base = ".".join([*parent, base] if base else parent)
            names += [f"{base}.{alias.name}" for alias in node.names] or [base]
            names.append(base)
    return names


def module_file(dotted):
    """The repository file of a dotted module name, or None when it is not one of ours."""
    path = ROOT.joinpath(*dotted.split("."))
    if path.with_suffix(".py").exists():
        return path.with_suffix(".py").relative_to(ROOT).as_posix()
    if (path / "__init__.py").exists():
        return (path / "__init__.py").relative_to(ROOT).as_posix()
    return None


class TestLayout(SimpleTestCase):
    def test_imports_follow_the_rules(self):
        """Every module of deliveries/ and factory/ imports only what layout.md says its part may."""
        rules = import_rules()
        self.assertGreaterEqual(len(rules), 10)
        checked = 0
        for path in sorted([*(ROOT / "deliveries").rglob("*.py"), *(ROOT / "factory").rglob("*.py")]):
            source = path.relative_to(ROOT).as_posix()
            part = part_of(source, rules)
            with self.subTest(module=source):
                self.assertIsNotNone(part, f"layout.md does not say which part {source} belongs to")
            allowed = rules[part][1] | {part} if part else set()
            for dotted in imported_modules(path):
                target = module_file(dotted) if dotted.split(".")[0] in ("deliveries", "factory") else None
                if target is None:
                    continue
                target_part = part_of(target, rules)
                with self.subTest(module=source, imports=dotted):
                    self.assertIn(target_part, allowed, f"{source} ({part}) imports {dotted} ({target_part})")
                checked += 1
        self.assertGreater(checked, 50)

    def test_the_module_map_is_current(self):
        """The old -> new map leads from paths that are gone to paths that exist."""
        rows = list(map_rows())
        self.assertGreaterEqual(len(rows), 15)
        for old, new in rows:
            for path in old:
                with self.subTest(old=path):
                    self.assertFalse((ROOT / path.rstrip("/")).exists(), f"{path} still exists")
            for path in new:
                with self.subTest(new=path):
                    self.assertTrue((ROOT / path.rstrip("/")).exists(), f"{path} does not exist")
