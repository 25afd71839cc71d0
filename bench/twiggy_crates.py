#!/usr/bin/env python3
"""Groups `twiggy top -f csv` rows of a wasm built with names by crate.

Usage: twiggy top -n 1000000 -f csv app.wasm | bench/twiggy_crates.py [N]

The name section itself ("function names" etc.) is left out: it exists only because the
wasm was built with names for this breakdown and is not in the shipped bundle.
A `<T as Trait>::f` item counts for T's crate (monomorphised generic code lands in the
crate of the type it was instantiated for, e.g. `ArcMemo<T>::new` in reactive_graph).
"""
import csv
import re
import sys
from collections import defaultdict


def crate_of(name: str) -> str:
    if name.startswith("data segment"):
        return "(data segments: string/constant tables)"
    if name.startswith(("elem[", "table[", "type[", "import ", "export ", "global[", "memory[")) or name in (
        "wasm magic bytes",
    ) or name.startswith('"') or name.startswith("code section") or name.startswith("data section"):
        return "(wasm structure: tables, types, imports, exports, headers)"
    n = name.lstrip("<&*")
    n = re.sub(r"^(mut |const |dyn )+", "", n)
    m = re.match(r"([A-Za-z_][A-Za-z0-9_]*)", n)
    if not m:
        return "(other)"
    head = m.group(1)
    # `<T as Trait>::f` with T a generic parameter or a closure: count it for the trait's crate.
    if (len(head) == 1 and head.isupper()) or head == "closure":
        t = re.search(r" as &?(?:mut |dyn )?([A-Za-z_][A-Za-z0-9_]*)", n)
        if t:
            head = t.group(1)
    if head in ("f32", "f64", "u8", "u16", "u32", "u64", "u128", "usize", "i8", "i16", "i32", "i64", "i128", "isize", "str", "char", "bool"):
        return "core/std (primitive impls: fmt, parse)"
    if head in ("func", "code"):
        return "(unnamed functions)"
    return head if head not in ("core", "alloc", "std") else "core/std (" + head + ")"


def main() -> None:
    limit = int(sys.argv[1]) if len(sys.argv) > 1 else 25
    rows = list(csv.DictReader(sys.stdin))
    by_crate = defaultdict(lambda: [0, 0])
    total = 0
    for row in rows:
        name = row["Name"]
        size = int(row["ShallowSize"])
        if "names\" subsection" in name or name in ('"name"', "custom section 'name'") or name.startswith('"') and "name" in name:
            continue
        if name.startswith("Σ") or name.startswith("... and"):
            continue
        crate = crate_of(name)
        by_crate[crate][0] += size
        by_crate[crate][1] += 1
        total += size
    print(f"{'bytes':>9} {'share':>6} {'items':>6}  crate (shipped code and data only; name section excluded)")
    for crate, (size, count) in sorted(by_crate.items(), key=lambda kv: -kv[1][0])[:limit]:
        print(f"{size:>9} {100 * size / total:>5.1f}% {count:>6}  {crate}")
    print(f"{total:>9} 100.0%         total")


if __name__ == "__main__":
    main()
