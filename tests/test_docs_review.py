"""The README and docs/*.md stay true of the code: every environment variable the settings
read is documented, every management command and relative link they name exists, and the
user-pool actions the README lists as not implemented are indeed unregistered (so they
answer UnknownOperationException) while being real Cognito actions."""

from __future__ import annotations

import re
from pathlib import Path

from django.core.management import get_commands

from api import registry

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
DOCUMENTS = [README, *sorted((ROOT / "docs").glob("*.md")), ROOT / "benchmarks" / "RESULTS.md"]
ENV_READ = re.compile(r"""\benv\.(?:str|int|float|bool|list)\(\s*["']([A-Z0-9_]+)["']""")


def _text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def test_every_environment_variable_the_settings_read_is_in_the_readme() -> None:
    read = set(ENV_READ.findall(_text(ROOT / "config" / "settings.py")))
    assert {"DATABASE_URL", "SMS_FILE_PATH", "TESSERA_OUTBOX_SWEEP_SECONDS"} <= read
    readme = _text(README)
    undocumented = sorted(name for name in read if f"`{name}`" not in readme)
    assert undocumented == []


def test_every_management_command_the_docs_name_exists() -> None:
    # Every command manage.py knows: the project's and those of the installed apps (check,
    # migrate, createsuperuser, …).
    commands = set(get_commands())
    named = {
        (document.name, command)
        for document in DOCUMENTS
        for command in re.findall(r"manage\.py ([a-z_]+)", _text(document))
    }
    assert {command for _, command in named} >= {"create_access_key", "createsuperuser"}
    missing = sorted(pair for pair in named if pair[1] not in commands)
    assert missing == []


def test_every_relative_link_in_the_docs_resolves() -> None:
    broken = []
    for document in DOCUMENTS:
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", _text(document)):
            if "://" in target:
                continue
            if not (document.parent / target).exists():
                broken.append((document.name, target))
    assert broken == []


def test_actions_listed_as_not_implemented_are_real_and_unregistered() -> None:
    readme = _text(README)
    section = readme[readme.index("Not implemented yet") : readme.index("## Configuration")]
    listed = set(re.findall(r"`([A-Z][A-Za-z]+)`", section))
    model = registry.service_model(registry.IDP)
    operations = set(model.operation_names)
    named_operations = listed & operations
    assert {"ListDevices", "CreateIdentityProvider", "CreateUserImportJob"} <= named_operations
    registry.load_handlers()
    registered = {name for service, name in registry.ACTIONS if service == registry.IDP}
    assert sorted(named_operations & registered) == []
