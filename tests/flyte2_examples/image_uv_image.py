# Ported from github.com/flyteorg/flyte-sdk examples/image/uv_image.py (Apache-2.0, commit 7e2d4231b559).
# Unchanged apart from the import line: `import flyte` -> `import flyte_nb as flyte`.
# /// script
# requires-python = "==3.13"
# dependencies = [
#    "pandas",
#    "mashumaro",
#    "botocore",
#    "pyarrow",
#    "flyte",
# ]
# ///

import flyte_nb as flyte
from flyte_nb import Image

image = Image.from_uv_script(__file__, name="hello", registry="ghcr.io/flyteorg")

env = flyte.TaskEnvironment(name="t1", image=image)


@env.task
async def t1(data: str = "hello") -> str:
    return f"Hello {data}"


if __name__ == "__main__":
    flyte.init_from_config()
    run = flyte.run(t1, data="hello world")
    print(run.name)
    print(run.url)
    run.wait()
