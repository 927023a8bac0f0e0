#!/usr/bin/env python3
"""Generates unicode_tables.inc for src/core/unicode.cpp from the Unicode Character Database.

Usage: gen_unicode.py UCD_DIR OUT_FILE   (UCD_DIR: e.g. Debian's unicode-data, /usr/share/unicode)

Reads UnicodeData.txt (general category, canonical decomposition, combining class, simple lowercase),
SpecialCasing.txt (unconditional lowercase mappings, as Rust's char::to_lowercase uses them) and PropList.txt
(White_Space), DerivedAge.txt (the version that assigned each code point). Emits compact range tables; nothing
in them is typed by hand but LEGACY_CATEGORY_CHANGES below. Standard library only.

Besides the current properties it emits a second props table and combining classes for the BERT tokenizer, as
Hugging Face tokenizers sees them: BERT's character classes (control, punctuation, nonspacing mark) come from the
`unicode_categories` crate, whose tables are Unicode 8.0; NFD from `unicode-normalization-alignments`, Unicode 9.0;
White_Space and lowercase from Rust's std (current), so those bits stay current. In that table the decomposition bit
also marks characters with a non-zero combining class (NFD's canonical ordering may move them).
"""
import os
import re
import sys

CATEGORIES = ["Lu", "Ll", "Lt", "Lm", "Lo", "Mn", "Mc", "Me", "Nd", "Nl", "No", "Pc", "Pd", "Ps", "Pe", "Pi",
              "Pf", "Po", "Sm", "Sc", "Sk", "So", "Zs", "Zl", "Zp", "Cc", "Cf", "Cs", "Co", "Cn"]
MAX_CP = 0x110000
HANGUL_FIRST, HANGUL_LAST = 0xAC00, 0xD7A3

# Props byte layout (must match unicode.h): bits 0-4 category index, bit 5 White_Space, bit 6 has a lowercase
# mapping, bit 7 has a canonical decomposition (Hangul syllables included: decomposed algorithmically).
BIT_SPACE, BIT_LOWER, BIT_DECOMP = 0x20, 0x40, 0x80

LEGACY_VERSION = (8, 0)       # unicode_categories
LEGACY_NFD_VERSION = (9, 0)   # unicode-normalization-alignments
# General_Category values of Unicode 8.0 for the assigned characters whose category changed since in a way that
# moves them into or out of the classes BERT tests (C*, P*, Mn): 166D Po->So (12.0), 111C9 Po->Mn (11.0), 1734
# Mn->Mc (14.0), 1885/1886 Lo->Mn (9.0), A9BD Mc->Mn (12.0). Found by comparing every code point with Hugging Face
# tokenizers (tests/oracle: its code-point sweep keeps this list complete).
LEGACY_CATEGORY_CHANGES = {0x166D: "Po", 0x111C9: "Po", 0x1734: "Mn", 0x1885: "Lo", 0x1886: "Lo", 0xA9BD: "Mc"}


def read_unicode_data(path):
    cat = bytearray([CATEGORIES.index("Cn")]) * MAX_CP
    ccc = {}
    decomp = {}
    lower = {}
    range_first = None
    with open(path, encoding="utf-8") as f:
        for line in f:
            fields = line.rstrip("\n").split(";")
            if len(fields) < 15:
                continue
            cp = int(fields[0], 16)
            name, gc = fields[1], fields[2]
            ci = CATEGORIES.index(gc)
            if name.endswith(", First>"):
                range_first = cp
                continue
            if name.endswith(", Last>"):
                for c in range(range_first, cp + 1):
                    cat[c] = ci
                range_first = None
                continue
            cat[cp] = ci
            if fields[3] and int(fields[3]) != 0:
                ccc[cp] = int(fields[3])
            d = fields[5].strip()
            if d and not d.startswith("<"):
                decomp[cp] = [int(x, 16) for x in d.split()]
            if fields[13]:
                lower[cp] = [int(fields[13], 16)]
    return cat, ccc, decomp, lower


def read_special_lower(path, lower):
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            fields = [x.strip() for x in line.split(";")]
            # code; lower; title; upper; [condition;] -> 5 fields (last empty) when unconditional
            if len(fields) > 5 and fields[4]:
                continue  # conditional (Final_Sigma, locale): Rust's char::to_lowercase ignores these
            cp = int(fields[0], 16)
            mapped = [int(x, 16) for x in fields[1].split()]
            if mapped != [cp]:
                lower[cp] = mapped


def read_white_space(path):
    ws = set()
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            rng, prop = [x.strip() for x in line.split(";")]
            if prop != "White_Space":
                continue
            if ".." in rng:
                a, b = [int(x, 16) for x in rng.split("..")]
            else:
                a = b = int(rng, 16)
            ws.update(range(a, b + 1))
    return ws


def read_age(path):
    """Version (major, minor) that assigned each code point; unassigned ones are absent."""
    age = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            rng, ver = [x.strip() for x in line.split(";")]
            v = tuple(int(x) for x in ver.split("."))
            if ".." in rng:
                a, b = [int(x, 16) for x in rng.split("..")]
            else:
                a = b = int(rng, 16)
            for c in range(a, b + 1):
                age[c] = v
    return age


def full_decomposition(cp, decomp):
    if cp not in decomp:
        return [cp]
    out = []
    for c in decomp[cp]:
        out.extend(full_decomposition(c, decomp))
    return out


def version_of(ucd_dir):
    try:
        with open(os.path.join(ucd_dir, "DerivedAge.txt"), encoding="utf-8") as f:
            m = re.search(r"DerivedAge-([0-9.]+)\.txt", f.readline())
            if m:
                return m.group(1)
    except OSError:
        pass
    return "unknown"


def c_array(ctype, name, values, per_line=12, fmt="0x{:X}"):
    lines = ["static const {} {}[{}] = {{".format(ctype, name, len(values))]
    for i in range(0, len(values), per_line):
        lines.append("    " + ", ".join(fmt.format(v) for v in values[i:i + per_line]) + ",")
    lines.append("};")
    return "\n".join(lines)


def main():
    if len(sys.argv) != 3:
        sys.stderr.write("usage: gen_unicode.py UCD_DIR OUT_FILE\n")
        return 2
    ucd, out_path = sys.argv[1], sys.argv[2]
    cat, ccc, decomp, lower = read_unicode_data(os.path.join(ucd, "UnicodeData.txt"))
    read_special_lower(os.path.join(ucd, "SpecialCasing.txt"), lower)
    ws = read_white_space(os.path.join(ucd, "PropList.txt"))

    props = bytearray(cat)
    for c in ws:
        props[c] |= BIT_SPACE
    for c, m in lower.items():
        if m != [c]:
            props[c] |= BIT_LOWER
    for c in decomp:
        props[c] |= BIT_DECOMP
    for c in range(HANGUL_FIRST, HANGUL_LAST + 1):
        props[c] |= BIT_DECOMP

    # Range table: starts of runs of equal props.
    starts, values = [0], [props[0]]
    for c in range(1, MAX_CP):
        if props[c] != values[-1]:
            starts.append(c)
            values.append(props[c])

    # The same as of Unicode 8.0: later code points are Cn without a decomposition; White_Space and lowercase stay.
    age = read_age(os.path.join(ucd, "DerivedAge.txt"))
    cn = CATEGORIES.index("Cn")
    props8 = bytearray(props)
    for c in range(MAX_CP):
        a = age.get(c)
        if a is None or a > LEGACY_VERSION:
            props8[c] = (props[c] & (BIT_SPACE | BIT_LOWER | BIT_DECOMP)) | cn
        if a is None or a > LEGACY_NFD_VERSION:
            props8[c] &= ~BIT_DECOMP
        elif ccc.get(c, 0) != 0:
            props8[c] |= BIT_DECOMP
    for c, gc in LEGACY_CATEGORY_CHANGES.items():
        props8[c] = (props8[c] & ~0x1F) | CATEGORIES.index(gc)
    ccc9_starts, ccc9_values = [0], [0]
    for c in range(1, MAX_CP):
        a = age.get(c)
        v = ccc.get(c, 0) if a is not None and a <= LEGACY_NFD_VERSION else 0
        if v != ccc9_values[-1]:
            ccc9_starts.append(c)
            ccc9_values.append(v)
    starts8, values8 = [0], [props8[0]]
    for c in range(1, MAX_CP):
        if props8[c] != values8[-1]:
            starts8.append(c)
            values8.append(props8[c])

    direct_limit = 0x800  # code points below this are looked up directly (Latin, Greek, Cyrillic, ...)

    # Canonical combining class ranges (runs of equal class over all code points).
    ccc_starts, ccc_values = [0], [0]
    for c in range(1, MAX_CP):
        v = ccc.get(c, 0)
        if v != ccc_values[-1]:
            ccc_starts.append(c)
            ccc_values.append(v)

    # Full canonical decompositions (Hangul excluded: algorithmic).
    dec_from, dec_index, dec_pool = [], [], []
    max_dec = 0
    for c in sorted(decomp):
        d = full_decomposition(c, decomp)
        max_dec = max(max_dec, len(d))
        dec_from.append(c)
        dec_index.append((len(dec_pool) << 4) | len(d))
        dec_pool.extend(d)
    assert max_dec < 16

    low_from, low_index, low_pool = [], [], []
    max_low = 0
    for c in sorted(lower):
        m = lower[c]
        if m == [c]:
            continue
        max_low = max(max_low, len(m))
        low_from.append(c)
        low_index.append((len(low_pool) << 4) | len(m))
        low_pool.extend(m)

    out = []
    out.append("// Generated by scripts/gen_unicode.py from the Unicode Character Database {} -- do not edit.".format(
        version_of(ucd)))
    out.append("// Props byte: bits 0-4 general category (index into kCategoryNames), bit 5 White_Space,")
    out.append("// bit 6 has a lowercase mapping, bit 7 has a canonical decomposition.")
    out.append('#define ATTNVIZ_UNICODE_VERSION "{}"'.format(version_of(ucd)))
    out.append("static const char* const kCategoryNames[{}] = {{{}}};".format(
        len(CATEGORIES), ", ".join('"{}"'.format(c) for c in CATEGORIES)))
    out.append("static const uint32_t kDirectLimit = 0x{:X};".format(direct_limit))
    out.append(c_array("uint8_t", "kDirectProps", list(props[:direct_limit]), 16))
    out.append(c_array("uint32_t", "kPropStarts", starts))
    out.append(c_array("uint8_t", "kPropValues", values, 16))
    out.append("// Hugging Face's BERT view: categories of Unicode {}.{}, NFD of {}.{} (see gen_unicode.py).".format(
        *(LEGACY_VERSION + LEGACY_NFD_VERSION)))
    out.append(c_array("uint8_t", "kDirectProps8", list(props8[:direct_limit]), 16))
    out.append(c_array("uint32_t", "kProp8Starts", starts8))
    out.append(c_array("uint8_t", "kProp8Values", values8, 16))
    out.append(c_array("uint32_t", "kCcc9Starts", ccc9_starts))
    out.append(c_array("uint8_t", "kCcc9Values", ccc9_values, 16, "{}"))
    out.append(c_array("uint32_t", "kCccStarts", ccc_starts))
    out.append(c_array("uint8_t", "kCccValues", ccc_values, 16, "{}"))
    out.append("static const int kMaxDecomposition = {};".format(max(max_dec, 3)))
    out.append(c_array("uint32_t", "kDecompFrom", dec_from))
    out.append(c_array("uint32_t", "kDecompIndex", dec_index))
    out.append(c_array("uint32_t", "kDecompPool", dec_pool))
    out.append("static const int kMaxLowercase = {};".format(max_low))
    out.append(c_array("uint32_t", "kLowerFrom", low_from))
    out.append(c_array("uint32_t", "kLowerIndex", low_index))
    out.append(c_array("uint32_t", "kLowerPool", low_pool))
    text = "\n".join(out) + "\n"
    os.makedirs(os.path.dirname(os.path.abspath(out_path)), exist_ok=True)
    tmp = out_path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, out_path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
