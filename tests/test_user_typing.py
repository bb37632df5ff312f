"""Types reach the user: ``py.typed`` ships, and a task keeps its function's signature.

``TaskTemplate`` is generic over the function's parameters and result (``ParamSpec``), so in
a user's own file mypy infers ``square(3)`` as ``int``, ``await cube(2)`` and
``await square.aio(3)`` as ``int``, and flags ``square("a")``. This test runs mypy on such a
file, from a folder outside the repository, the way a user's project sees the installed
package (without ``py.typed`` mypy would see every name as ``Any``).
"""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from pathlib import Path

import flyte_nb

USER_FILE = textwrap.dedent(
    """
    import flyte_nb as fl
    from flyte_nb import task

    env = fl.TaskEnvironment(name="typed")


    @env.task
    def square(x: int) -> int:
        return x * x


    @env.task(retries=2)
    async def cube(x: int) -> float:
        return x ** 3 / 2


    @task
    def shout(s: str) -> str:
        return s.upper()


    async def main() -> None:
        reveal_type(square(3))
        reveal_type(await cube(2))
        reveal_type(await square.aio(3))
        reveal_type(await cube.aio(3))
        reveal_type(shout("x"))
        square("a")
        shout(s=1)
    """
)


def test_py_typed_ships_with_the_package() -> None:
    assert (Path(flyte_nb.__file__).parent / "py.typed").is_file()


def test_mypy_infers_task_calls_in_a_users_file(tmp_path: Path) -> None:
    (tmp_path / "user.py").write_text(USER_FILE)
    out = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", "user.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    ).stdout
    revealed = re.findall(r'Revealed type is "([^"]+)"', out)
    assert revealed == ["int", "float", "int", "float", "str"], out
    errors = [line for line in out.splitlines() if ": error:" in line]
    assert len(errors) == 2, out
    assert 'incompatible type "str"; expected "int"' in errors[0]
    assert 'incompatible type "int"; expected "str"' in errors[1]
