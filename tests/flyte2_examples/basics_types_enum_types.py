# Ported from github.com/flyteorg/flyte-sdk examples/basics/types/enum_types.py (Apache-2.0, commit 7e2d4231b559).
# Unchanged apart from the import line: `import flyte` -> `import flyte_nb as flyte`.
import enum

import flyte_nb as flyte

env = flyte.TaskEnvironment(name="inputs_enum_types")


class Status(enum.Enum):
    """Example enum with string values"""

    PENDING = "pending"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    FAILED = "failed"


@env.task
def main(status: Status) -> str:
    """Process enum type input"""
    result = f"Status received: {status.value}"
    result += f"\nStatus name: {status.name}"
    return result


if __name__ == "__main__":
    flyte.init_from_config()

    r = flyte.run(main, status=Status.COMPLETED)
    print(r.name)
    print(r.url)
    r.wait()
