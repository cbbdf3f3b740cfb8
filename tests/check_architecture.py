"""docs/ARCHITECTURE.md against the code: the parts table equals the arrows in CMakeLists.txt, and
every #include "..." of every part names a header of the part itself or of a part it may use
(its arrows, followed transitively). Exit 1 with every violation listed."""
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def parts_table():
    """{part: (folder, [parts it uses])} from the table after the <!-- parts marker."""
    text = open(os.path.join(ROOT, "docs/ARCHITECTURE.md"), encoding="utf-8").read()
    table = text.split("<!-- parts", 1)[1].split("\n\n", 1)[0].splitlines()[1:]
    parts = {}
    for line in table[2:]:  # after the header and the separator
        name, folder, _, uses = [c.strip() for c in line.strip().strip("|").split("|")]
        parts[name] = (folder, [u.strip() for u in uses.split(",") if u.strip()])
    return parts


def cmake_text():
    return open(os.path.join(ROOT, "CMakeLists.txt"), encoding="utf-8").read()


def cmake_arrows():
    text = cmake_text()
    arrows = {}
    for name, body in re.findall(r"perfgen_part\((\w+)(.*?)\)\n", text, re.S):
        public = re.search(r"PUBLIC(.*?)(PRIVATE|$)", body, re.S)
        arrows[name] = sorted(re.findall(r"perfgen_(\w+)", public.group(1))) if public else []
    cuda = re.search(r"target_link_libraries\(perfgen_cuda PUBLIC ([^)]*)\)", text)
    arrows["cuda"] = sorted(re.findall(r"perfgen_(\w+)", cuda.group(1)))
    return arrows


def reachable(parts, name):
    seen, todo = set(), [name]
    while todo:
        for used in parts[todo.pop()][1]:
            if used not in seen:
                seen.add(used)
                todo.append(used)
    return seen


def main():
    parts = parts_table()
    problems = []
    for name, uses in cmake_arrows().items():
        if name not in parts:
            problems.append(f"CMakeLists.txt has part {name}, docs/ARCHITECTURE.md does not")
        elif sorted(parts[name][1]) != uses:
            problems.append(f"{name}: ARCHITECTURE.md says it uses {sorted(parts[name][1])}, CMakeLists.txt {uses}")
    owner = {}  # header path as included → part
    for name, (folder, _) in parts.items():
        base = os.path.join(ROOT, folder)
        for file in os.listdir(base):
            header = file[:-3] if file.endswith(".h.in") else file  # NAME.h.in: CMake generates NAME.h
            owner[("perfgen/" + header) if folder == "include/perfgen" else header] = name
            if file == "embedded_toml.h.in":  # the template of every perfgen_embed_toml(FILE HEADER CONSTANT)
                for generated in re.findall(r"^perfgen_embed_toml\(\S+ (\S+)", cmake_text(), re.M):
                    owner[generated] = name
    for name, (folder, _) in parts.items():
        allowed = reachable(parts, name) | {name}
        base = os.path.join(ROOT, folder)
        for file in sorted(os.listdir(base)):
            for number, line in enumerate(open(os.path.join(base, file), encoding="utf-8"), 1):
                found = re.match(r'\s*#\s*include\s+"([^"]+)"', line)
                if not found:
                    continue
                header = found.group(1)
                part = owner.get(header)
                if part is None:
                    problems.append(f"{folder}/{file}:{number}: {header} belongs to no part")
                elif part not in allowed:
                    problems.append(f"{folder}/{file}:{number}: {name} includes {header} of {part}, "
                                    f"which it may not use (it uses {sorted(allowed - {name})})")
    for p in problems:
        print(p)
    print(f"architecture: {len(parts)} parts, {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
