# Ported from github.com/flyteorg/flyte-sdk examples/basics/no_outputs.py (Apache-2.0, commit 7e2d4231b559).
# Unchanged apart from the import line: `import flyte` -> `import flyte_nb as flyte`.
import flyte_nb as flyte

env = flyte.TaskEnvironment(name="no_outputs")


@env.task
async def no_outputs_task():
    print("This task does not return any outputs.")


@env.task
async def main():
    await no_outputs_task()
    await no_outputs_task()
    await no_outputs_task()


if __name__ == "__main__":
    flyte.init_from_config()
    # flyte.init()
    run = flyte.run(main)
    print(run.url)
