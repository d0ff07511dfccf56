#!/usr/bin/env python3
"""Builds ReferenceData/<table>.json (the app's bundled reference data) from the openly licensed datasets.

Usage: scripts/build-reference-data.py [DATASETS_DIR] [OUTPUT_DIR]
       (defaults: ../shared/datasets and ReferenceData, relative to the project root)

Re-runnable and deterministic: the same datasets give byte-identical files. The upstream mess is kept on
purpose (null vs "body only" equipment, empty instruction arrays and empty strings in them, a newline
inside an instruction, non-ASCII text, a muscle listed as both primary and secondary): the normalization
contract exists for it. Decimals are copied from the source text, never through a binary float.
See ReferenceData/README.md for where each table comes from and under which licence.
"""
import json
import os
import re
import sys
from collections import OrderedDict
from decimal import Decimal

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATASETS = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "..", "shared", "datasets")
OUTPUT = sys.argv[2] if len(sys.argv) > 2 else os.path.join(ROOT, "ReferenceData")


def slug(text):
    s = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    if not s:
        raise SystemExit(f"cannot make a slug of {text!r}")
    return s


def load(path):
    with open(os.path.join(DATASETS, path), encoding="utf-8") as f:
        return json.load(f, parse_float=Decimal, object_pairs_hook=OrderedDict)


def plain(d):
    """An exact decimal as plain text, keeping the source's trailing zeros."""
    if isinstance(d, int):
        return str(d)
    text = format(d, "f")
    return text


def emit(value, indent=0):
    pad = "  " * indent
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, Decimal):
        return plain(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        if not value:
            return "[]"
        if all(not isinstance(v, (list, dict)) for v in value):
            return "[" + ", ".join(emit(v) for v in value) + "]"
        return "[\n" + ",\n".join(pad + "  " + emit(v, indent + 1) for v in value) + "\n" + pad + "]"
    if isinstance(value, dict):
        if not value:
            return "{}"
        return "{" + ", ".join(json.dumps(k) + ": " + emit(v, indent + 1) for k, v in value.items()) + "}"
    raise TypeError(type(value))


def write(table, rows):
    """One row per line: small diffs when the data changes."""
    text = "[\n" + ",\n".join("  " + emit(row, 1) for row in rows) + "\n]\n"
    with open(os.path.join(OUTPUT, table + ".json"), "w", encoding="utf-8") as f:
        f.write(text)


exercises_src = load("free-exercise-db/exercises.json")
one_rm = load("one-rm-formulas/one_rm_formulas.json")
coefficients = load("openpowerlifting-coefficients/coefficients.json")

# --- anatomy: body regions, muscle groups, muscles (crosswalk of the 17 upstream muscle names) ----------
body_regions = [("upper-body", "Upper body"), ("core", "Core"), ("lower-body", "Lower body")]
muscle_groups = [  # key, name, region
    ("arms", "Arms", "upper-body"), ("shoulders", "Shoulders", "upper-body"), ("chest", "Chest", "upper-body"),
    ("back", "Back", "upper-body"), ("core", "Core", "core"), ("legs", "Legs", "lower-body"),
]
muscles = {  # upstream name -> (display name, latin name or None, group, is_front or None)
    "abdominals": ("Abdominals", "Rectus abdominis", "core", True),
    "abductors": ("Abductors", "Gluteus medius et minimus", "legs", None),
    "adductors": ("Adductors", "Adductor magnus", "legs", True),
    "biceps": ("Biceps", "Biceps brachii", "arms", True),
    "calves": ("Calves", "Gastrocnemius", "legs", False),
    "chest": ("Chest", "Pectoralis major", "chest", True),
    "forearms": ("Forearms", None, "arms", True),
    "glutes": ("Glutes", "Gluteus maximus", "legs", False),
    "hamstrings": ("Hamstrings", "Biceps femoris", "legs", False),
    "lats": ("Lats", "Latissimus dorsi", "back", False),
    "lower back": ("Lower back", "Erector spinae", "back", False),
    "middle back": ("Middle back", "Rhomboideus", "back", False),
    "neck": ("Neck", "Sternocleidomastoideus", "shoulders", None),
    "quadriceps": ("Quadriceps", "Quadriceps femoris", "legs", True),
    "shoulders": ("Shoulders", "Deltoideus", "shoulders", None),
    "traps": ("Traps", "Trapezius", "shoulders", False),
    "triceps": ("Triceps", "Triceps brachii", "arms", False),
}
used_muscles = {m for x in exercises_src for m in x["primaryMuscles"] + x["secondaryMuscles"]}
assert used_muscles <= set(muscles), used_muscles - set(muscles)

# --- equipment ---------------------------------------------------------------------------------------------
equipment_categories = [
    ("free-weights", "Free weights"), ("machines", "Machines and cables"), ("bodyweight", "Bodyweight"),
    ("accessories", "Accessories"),
]
equipment = {  # upstream name -> (display name, category, is_bodyweight)
    "barbell": ("Barbell", "free-weights", False), "dumbbell": ("Dumbbell", "free-weights", False),
    "kettlebells": ("Kettlebells", "free-weights", False), "e-z curl bar": ("E-Z curl bar", "free-weights", False),
    "machine": ("Machine", "machines", False), "cable": ("Cable", "machines", False),
    "body only": ("Body only", "bodyweight", True), "bands": ("Bands", "accessories", False),
    "medicine ball": ("Medicine ball", "accessories", False), "exercise ball": ("Exercise ball", "accessories", False),
    "foam roll": ("Foam roll", "accessories", False), "other": ("Other", "accessories", False),
}
assert {x["equipment"] for x in exercises_src if x["equipment"]} <= set(equipment)

categories = [  # upstream name, description (None where none is curated)
    ("strength", "Resistance training for muscular strength and size."),
    ("powerlifting", "The squat, bench press and deadlift and their assistance lifts."),
    ("olympic weightlifting", "The snatch, the clean and jerk, and their derivatives."),
    ("strongman", None), ("plyometrics", "Jumping and explosive movements."),
    ("cardio", "  Conditioning for the heart and lungs."), ("stretching", None),
]
assert {x["category"] for x in exercises_src} == {c for c, _ in categories}

levels = [("beginner", "Beginner", 1), ("intermediate", "Intermediate", 2), ("expert", "Expert", 3)]
licenses = [
    ("unlicense", "The Unlicense", "https://unlicense.org/", False),
    ("mit", "MIT License", "https://opensource.org/license/mit", True),
    ("published-facts", "Published facts (not subject to copyright)", None, False),
]

# --- scoring formulas and coefficients -----------------------------------------------------------------------
one_rm_names = {"epley": "Epley", "brzycki": "Brzycki", "lander": "Lander", "lombardi": "Lombardi",
                "mayhew": "Mayhew et al.", "oconner": "O'Conner et al.", "wathan": "Wathan"}
formula_rows = []
for f in one_rm["formulas"]:
    formula_rows.append(OrderedDict([
        ("formula_key", slug(f["key"])), ("name", one_rm_names[f["key"]] + " 1RM"), ("kind", "one_rep_max"),
        ("expression", f["expression"]), ("min_reps", 1), ("max_reps", 10),
        ("citation", f"{one_rm_names[f['key']]} ({f['year']})"),
        ("variables", OrderedDict([("w", "load lifted"), ("r", "repetitions completed")])),
    ]))
mit_notice = "OpenPowerlifting coefficients crate, MIT License, Copyright (c) 2020 The OpenPowerlifting Project"
relative_names = {"dots": "DOTS", "wilks_original": "Wilks (original)", "ipf_goodlift": "IPF GOODLIFT"}
coefficient_rows = []
for f in coefficients["formulas"]:
    key = slug(f["key"])
    variables = OrderedDict([("total_kg", "total lifted, kg"), ("bw", "body weight, kg")])
    clamps = OrderedDict()
    params = f["params"]
    for variant, values in params.items():
        variant_key = slug(variant)
        if isinstance(values, list):  # IPF GOODLIFT: [A, B, C]
            values = OrderedDict(zip(["A", "B", "C"], values))
        for name, value in values.items():
            if name == "bw_clamp":
                clamps[variant_key] = value
                continue
            coefficient_rows.append(OrderedDict([
                ("formula_key", key), ("variant", variant_key), ("coefficient", slug(name)), ("value", value),
            ]))
    if clamps:
        variables["bw_clamp_kg"] = clamps
    formula_rows.append(OrderedDict([
        ("formula_key", key), ("name", relative_names[f["key"]]), ("kind", "relative_strength"),
        ("expression", f["expression"]), ("min_reps", None), ("max_reps", None), ("citation", mit_notice),
        ("variables", variables),
    ]))

# --- metrics, units, set types (curated, factual) --------------------------------------------------------------
metric_types = [("reps", "Repetitions", "count"), ("weight", "Weight", "mass"),
                ("distance", "Distance", "distance"), ("duration", "Duration", "duration")]
units = [  # key, name, symbol, metric type, exact SI factor, aliases (a set; order as curated)
    ("rep", "repetition", "rep", "reps", Decimal("1"), ["reps", "repetitions"]),
    ("kg", "kilogram", "kg", "weight", Decimal("1"), ["kilogram", "kilograms", "kgs", "kilo"]),
    ("lb", "pound", "lb", "weight", Decimal("0.45359237"), ["pounds", "lbs", "pound", "#"]),
    ("g", "gram", "g", "weight", Decimal("0.001"), ["gram", "grams"]),
    ("m", "metre", "m", "distance", Decimal("1"), ["meter", "metres", "meters"]),
    ("km", "kilometre", "km", "distance", Decimal("1000"), ["kilometer", "kilometres", "kilometers", "k"]),
    ("mi", "mile", "mi", "distance", Decimal("1609.344"), ["mile", "miles"]),
    ("yd", "yard", "yd", "distance", Decimal("0.9144"), ["yard", "yards"]),
    ("ft", "foot", "ft", "distance", Decimal("0.3048"), ["foot", "feet", "'"]),
    ("s", "second", "s", "duration", Decimal("1"), ["sec", "secs", "second", "seconds"]),
    ("min", "minute", "min", "duration", Decimal("60"), ["minute", "minutes", "mins"]),
    ("h", "hour", "h", "duration", Decimal("3600"), ["hour", "hours", "hr", "hrs"]),
]
set_types = [("warm-up", "Warm-up", False, 1), ("working", "Working set", True, 2), ("drop-set", "Drop set", True, 3),
             ("failure", "To failure", True, 4), ("amrap", "AMRAP", True, 5), ("back-off", "Back-off set", True, 6)]

# --- exercises and their links ---------------------------------------------------------------------------------------
keys = {}
for x in sorted(exercises_src, key=lambda x: x["id"]):
    key = slug(x["id"])
    n = 2
    while key in keys.values():
        key = f"{slug(x['id'])}-{n}"
        n += 1
    keys[x["id"]] = key

ONE_RM_RULE = {"strength", "powerlifting"}
exercise_rows, muscle_rows, equipment_rows, metric_rows = [], [], [], []
for x in exercises_src:  # upstream order: the source is not sorted by key, the API is
    key = keys[x["id"]]
    one_rm_key = None
    if x["category"] in ONE_RM_RULE and x["mechanic"] == "compound" and x["equipment"] in ("barbell", "dumbbell"):
        one_rm_key = "epley"
    row = OrderedDict([
        ("exercise_key", key), ("name", x["name"]), ("category_key", slug(x["category"])),
        ("force_key", slug(x["force"]) if x["force"] else None),
        ("mechanic_key", slug(x["mechanic"]) if x["mechanic"] else None),
        ("level_key", slug(x["level"])), ("license_key", "unlicense"), ("one_rm_formula_key", one_rm_key),
        ("source_id", x["id"]), ("instructions", x["instructions"]), ("image_paths", x["images"]),
    ])
    # Upstream's nulls are kept as missing keys for the nullable columns, as the source format allows.
    for nullable in ("force_key", "mechanic_key", "one_rm_formula_key"):
        if row[nullable] is None:
            del row[nullable]
    exercise_rows.append(row)
    for role, names in (("primary", x["primaryMuscles"]), ("secondary", x["secondaryMuscles"])):
        for m in names:
            muscle_rows.append(OrderedDict([("exercise_key", key), ("muscle_key", slug(m)), ("role", role)]))
    if x["equipment"]:
        equipment_rows.append(OrderedDict([("exercise_key", key), ("equipment_key", slug(x["equipment"]))]))
    # Tracked metrics, by rule: loaded categories track reps and weight (weight optional for bodyweight
    # work); cardio tracks duration and distance; stretching tracks duration; plyometrics tracks reps.
    c = x["category"]
    if c in ("strength", "powerlifting", "olympic weightlifting", "strongman"):
        plan = [("reps", True, "rep"), ("weight", x["equipment"] not in (None, "body only"), "kg")]
    elif c == "cardio":
        plan = [("duration", True, "min"), ("distance", False, "km")]
    elif c == "stretching":
        plan = [("duration", True, "s")]
    else:
        plan = [("reps", True, "rep")]
    for order, (metric, required, unit) in enumerate(plan, start=1):
        metric_rows.append(OrderedDict([("exercise_key", key), ("metric_type_key", metric),
                                        ("is_required", required), ("default_unit_key", unit), ("sort_order", order)]))

aliases = [  # (upstream id, alias, language)
    ("Romanian_Deadlift", "RDL"), ("Stiff-Legged_Barbell_Deadlift", "SLDL"), ("Standing_Military_Press", "OHP"),
    ("Standing_Military_Press", "Overhead press"), ("Barbell_Bench_Press_-_Medium_Grip", "Bench"),
    ("Barbell_Bench_Press_-_Medium_Grip", "Flat bench"), ("Close-Grip_Barbell_Bench_Press", "CGBP"),
    ("Barbell_Full_Squat", "Back squat"), ("Barbell_Squat", "Squat"), ("Front_Barbell_Squat", "Front squat"),
    ("Barbell_Deadlift", "Deadlift"), ("Barbell_Deadlift", "Conventional deadlift"), ("Sumo_Deadlift", "Sumo"),
    ("Pullups", "Pull-up"), ("Pullups", "Pull up"), ("Chin-Up", "Chin up"), ("Pushups", "Push-up"),
    ("Pushups", "Press-up"), ("Bent_Over_Barbell_Row", "Barbell row"), ("Bent_Over_Barbell_Row", "BOR"),
    ("T-Bar_Row_with_Handle", "T-bar row"), ("Seated_Cable_Rows", "Cable row"),
    ("Wide-Grip_Lat_Pulldown", "Lat pulldown"), ("Barbell_Hip_Thrust", "Hip thrust"),
    ("Barbell_Glute_Bridge", "Glute bridge"), ("EZ-Bar_Skullcrusher", "Skull crusher"),
    ("Lying_Triceps_Press", "French press"), ("Side_Lateral_Raise", "Lateral raise"),
    ("Arnold_Dumbbell_Press", "Arnold press"), ("Incline_Dumbbell_Press", "Incline DB press"),
    ("Dumbbell_Flyes", "DB fly"), ("Leg_Extensions", "Leg extension"), ("Lying_Leg_Curls", "Leg curl"),
    ("Standing_Calf_Raises", "Calf raise"), ("Hanging_Leg_Raise", "HLR"), ("One-Arm_Kettlebell_Swings", "KB swing"),
    ("Farmers_Walk", "Farmer's carry"), ("Power_Clean", "Clean"), ("Clean_and_Jerk", "C&J"),
    ("Rope_Jumping", "Skipping"), ("Side_Bridge", "Side plank"), ("Russian_Twist", "Twists"),
    ("Crunches", "Crunch"), ("Good_Morning", "GM"), ("Barbell_Squat", "Sentadilla", "es"),
    ("Barbell_Deadlift", "Kreuzheben", "de"), ("Running_Treadmill", "Treadmill run"),
]
alias_rows = []
for entry in aliases:
    source_id, alias = entry[0], entry[1]
    language = entry[2] if len(entry) > 2 else None
    assert source_id in keys, source_id
    row = OrderedDict([("exercise_key", keys[source_id]), ("alias", alias)])
    if language:
        row["language"] = language  # absent means the column default, 'en'
    alias_rows.append(row)

os.makedirs(OUTPUT, exist_ok=True)
write("body_regions", [OrderedDict([("body_region_key", k), ("name", n), ("sort_order", i)])
                       for i, (k, n) in enumerate(body_regions, start=1)])
write("muscle_groups", [OrderedDict([("muscle_group_key", k), ("name", n), ("body_region_key", r), ("sort_order", i)])
                        for i, (k, n, r) in enumerate(muscle_groups, start=1)])
muscle_table = []
for upstream, (name, latin, group, front) in sorted(muscles.items()):
    row = OrderedDict([("muscle_key", slug(upstream)), ("name", name), ("latin_name", latin),
                       ("muscle_group_key", group), ("is_front", front)])
    if latin is None:
        del row["latin_name"]  # missing key: null
    muscle_table.append(row)
write("muscles", muscle_table)
write("equipment_categories", [OrderedDict([("equipment_category_key", k), ("name", n), ("sort_order", i)])
                               for i, (k, n) in enumerate(equipment_categories, start=1)])
write("equipment", [OrderedDict([("equipment_key", slug(u)), ("name", n), ("equipment_category_key", c),
                                 ("is_bodyweight", b)]) for u, (n, c, b) in sorted(equipment.items())])
write("exercise_categories", [OrderedDict([("category_key", slug(c)), ("name", c.title()), ("description", d),
                                           ("sort_order", i)]) for i, (c, d) in enumerate(categories, start=1)])
write("force_types", [OrderedDict([("force_key", k), ("name", k.title())]) for k in ("pull", "push", "static")])
write("mechanic_types", [OrderedDict([("mechanic_key", k), ("name", k.title())]) for k in ("compound", "isolation")])
write("difficulty_levels", [OrderedDict([("level_key", k), ("name", n), ("rank", r)]) for k, n, r in levels])
write("licenses", [OrderedDict([("license_key", k), ("name", n), ("url", u), ("requires_attribution", a)])
                   for k, n, u, a in licenses])
write("scoring_formulas", formula_rows)
write("scoring_coefficients", coefficient_rows)
write("metric_types", [OrderedDict([("metric_type_key", k), ("name", n), ("value_kind", v)]) for k, n, v in metric_types])
write("units", [OrderedDict([("unit_key", k), ("name", n), ("symbol", s), ("metric_type_key", m), ("si_factor", f),
                             ("aliases", a)]) for k, n, s, m, f, a in units])
write("set_types", [OrderedDict([("set_type_key", k), ("name", n), ("counts_toward_volume", v), ("sort_order", o)])
                    for k, n, v, o in set_types])
write("exercises", exercise_rows)
write("exercise_muscles", muscle_rows)
write("exercise_equipment", equipment_rows)
write("exercise_aliases", alias_rows)
write("exercise_metrics", metric_rows)
print(f"wrote 20 tables to {OUTPUT}: {len(exercise_rows)} exercises, {len(muscle_rows)} exercise muscles, "
      f"{len(coefficient_rows)} coefficients, {len(alias_rows)} aliases", file=sys.stderr)
