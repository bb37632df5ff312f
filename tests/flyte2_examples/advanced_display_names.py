# Ported from github.com/flyteorg/flyte-sdk examples/advanced/display_names.py (Apache-2.0, commit 7e2d4231b559).
# Unchanged apart from the import line: `import flyte` -> `import flyte_nb as flyte`.
import flyte_nb as flyte

env = flyte.TaskEnvironment(
    name="friendly_names",
)


@env.task(short_name="my_task")
async def some_task() -> str:
    """
    This task has a friendly name that will be displayed in the UI.
    """
    return "Hello, Flyte!"


@env.task(short_name="entrypoint")
async def main() -> str:
    """
    This is the entrypoint task that will be displayed in the UI.
    """
    s = await some_task()
    return s + await some_task.override(short_name="my_name")()


if __name__ == "__main__":
    flyte.init_from_config()
    r = flyte.run(main)
    print(r.url)
