# Ported from github.com/flyteorg/flyte-sdk examples/basics/union_types.py (Apache-2.0, commit 7e2d4231b559).
# Unchanged apart from the import line: `import flyte` -> `import flyte_nb as flyte`.
import flyte_nb as flyte

env = flyte.TaskEnvironment("union_types")


@env.task
def complex_task(data: dict[str, list[str] | None] | None) -> dict[str, list[str] | None] | None:
    return data


if __name__ == "__main__":
    flyte.init_from_config()
    run = flyte.run(complex_task, data={"key": ["value1", "value2"]})
    print(run)
    print(run.url)
