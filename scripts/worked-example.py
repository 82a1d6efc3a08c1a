"""Writes the worked example of docs/montecarlo.md from the outputs of
scripts/worked-example.sh (which calls it): OUT_DIR/worked.md, and, given
the doc, the doc with its "## Worked example" section replaced.

    python3 scripts/worked-example.py OUT_DIR COMMIT WHEN [DOC]

Prints a warning for every claim of the prose that the numbers no longer
support (the section's sentences are written for the numbers they had).
"""
import json, csv, sys, re, os
D = sys.argv[1]            # the script's output directory
rev = sys.argv[2]          # commit
when = sys.argv[3]         # date text
doc = sys.argv[4] if len(sys.argv) > 4 else None
S = json.load(open(f"{D}/batch/summary.json"))["outcomes"]
rows = list(csv.DictReader(open(f"{D}/batch/runs.csv")))
N = len(rows)
n_params = len(json.load(open(f"{D}/batch/manifest.json"))["parameters"])
def o(k): return S[k]
def f(x, d=1): return f"{x:.{d}f}"
def e(x): 
    m, ex = f"{x:.2e}".split("e"); return f"{m}e{int(ex)}"
warn = []
def check(cond, msg):
    if not cond: warn.append(msg)
g25 = o("training.frontier_gap_months_year_2025"); g29 = o("training.frontier_gap_months_year_2029")
# us-2025's own gaps to the same frontier path at the end of 2025, 2029 and
# its horizon (mean of `aistack batch examples/scenarios/us-2025.ron --runs
# 100 --seed 1`, twenty-ninth session's end, with the largest-cluster cap and
# measured failure rates): not re-run here.
US_GAP = (5.1, 22.1, 56.7)
US_MCSE = (0.11, 0.21, 0.55)
gend = o("training.frontier_gap_months_end"); lr = o("training.largest_run_flop")
grows = sum(1 for r in rows if float(r["training.frontier_gap_months_end"]) > float(r["training.frontier_gap_months_year_2025"]))
check(grows >= 0.95 * N, f"gap grows in {grows} of {N}")
aicut = max(float(r["energy.ai_curtailed_mwh_total"]) for r in rows)
check(aicut == 0, f"AI cut max {aicut}")
years = sorted(int(k.rsplit("_",1)[1]) for k in rows[0] if k.startswith("training.largest_run_bound_year_"))
def bounds(y): 
    c = {}
    for r in rows: c[r[f"training.largest_run_bound_year_{y}"]] = c.get(r[f"training.largest_run_bound_year_{y}"],0)+1
    return c
power_years = [y for y in years if any(k.startswith("1") for k in bounds(y))]
check(not power_years, f"power bound in {power_years}")
all_chips = [y for y in years if bounds(y).get("2.0",0) == N]
chips_from, chips_to = (min(all_chips), max(all_chips)) if all_chips else (None, None)
check(all_chips == list(range(chips_from, chips_to + 1)), f"chips years not contiguous: {all_chips}")
def cmp(name):
    out = {}
    for line in open(f"{D}/compare-{name}.txt"):
        # The narrowing column: an integer percentage, or decimals where it
        # would round to 0 % ("0.1%"), or n/a.
        m = re.match(r"^(\S+)\s+(\S+)\s+(\S+) \[\s*(\S+),\s*(\S+)\]\s+(-?[\d.]+%|n/a)", line)
        if m: out[m.group(1)] = [float(m.group(i)) for i in range(2,6)] + [None if m.group(6) == "n/a" else float(m.group(6)[:-1])]
    return out
C = {v: cmp(v) for v in ["grid-crunch", "export-controls-tighten", "export-controls-tighten-hbm",
                         "tighten-rest", "no-spillovers", "ai-first"]}
def ci(v, k, d=2):
    a, dlt, lo, hi, _ = C[v][k]
    return f"{dlt:+.{d}f} [{lo:+.{d}f}, {hi:+.{d}f}]"
def rel(v, k):
    a, dlt, lo, hi, _ = C[v][k]
    return f"{100*dlt/a:+.1f} % [{100*lo/a:+.1f}, {100*hi/a:+.1f}]"
def excerpt(name, keys):
    lines = open(f"{D}/compare-{name}.txt").read().splitlines()
    keep = lines[:2] + [l for l in lines[2:] if l.split(" ")[0] in keys]
    return "\n".join(keep)
morris = open(f"{D}/morris.txt").read().rstrip()
sobol = open(f"{D}/sobol.txt").read().rstrip() if os.path.exists(f"{D}/sobol.txt") else ""
params = [p["path"] for p in json.load(open(f"{D}/batch/manifest.json"))["parameters"]]
K = len(params)
words = {7: "seven", 8: "eight", 9: "nine", 10: "ten", 11: "eleven", 12: "twelve",
         13: "thirteen", 14: "fourteen", 15: "fifteen", 16: "sixteen",
         17: "seventeen", 18: "eighteen", 19: "nineteen", 20: "twenty"}
growth = [p for p in params if p.endswith(".compute_growth_per_year")]
check(len(growth) == 4, f"growth targets uncertain: {growth}")
# The early years' gap and what drives it (the labs' own growth targets).
sens_all = list(csv.DictReader(open(f"{D}/batch/sensitivity.csv")))
def top(outcome):
    r = sorted((r for r in sens_all if r["outcome"] == outcome), key=lambda r: -abs(float(r["spearman"])))
    return r[0]
WORLD = "ecosystem.algorithmic_halving_months"
def top_besides_world(outcome):
    r = sorted((r for r in sens_all if r["outcome"] == outcome and r["parameter"] != WORLD),
               key=lambda r: -abs(float(r["spearman"])))
    return r[0]
early = top_besides_world("training.frontier_gap_months_year_2027")
check(early["parameter"].endswith(".compute_growth_per_year"), f"2027 gap's top correlate {early['parameter']}")
early_world = top("training.frontier_gap_months_year_2027")
# Runs whose largest run of 2028 is already bound by chips.
chips_2028 = bounds(2028).get("2.0", 0)
def morris_mu(param):
    for l in morris.splitlines():
        if l.split()[:1] == [param]:
            return float(l.split()[1])
    raise SystemExit(f"{param} not in the Morris table")
morris_rows = [l for l in morris.splitlines() if l and l.split()[0] in params]
halving_mu = morris_mu("ecosystem.algorithmic_halving_months")
others_mu = [float(l.split()[1]) for l in morris_rows if l.split()[0] != "ecosystem.algorithmic_halving_months"]
for zero in ("labs.moonshot.spillover_catch_up_share",):
    check(morris_mu(zero) == 0.0, f"Morris: {zero} moved the gap")
check(morris_mu("labs.deepseek.mfu") < 1e-2, "Morris: DeepSeek's MFU moved the gap")
mfu_mu_txt = f"{morris_mu('labs.deepseek.mfu'):.0e}".replace("e-0", "e-")
bd_mfu_mu = morris_mu("labs.bytedance.mfu")
al_mfu_mu = morris_mu("labs.alibaba.mfu")
check(halving_mu > max(others_mu), f"Morris: halving {halving_mu} not above {max(others_mu)}")
sens = [r for r in csv.DictReader(open(f"{D}/batch/sensitivity.csv")) if r["outcome"] == "training.frontier_gap_months_end"]
sens.sort(key=lambda r: -abs(float(r["spearman"])))
sens_lr = [r for r in csv.DictReader(open(f"{D}/batch/sensitivity.csv")) if r["outcome"] == "training.largest_run_flop"]
sens_lr.sort(key=lambda r: -abs(float(r["spearman"])))
top_lr = sens_lr[0]
check(sens[0]["parameter"] == "ecosystem.algorithmic_halving_months", f"gap's top correlate {sens[0]['parameter']}")
check(float(sens[0]["spearman"]) > 0, "a slower world rate should read as more months behind")
# What each parameter that may rank second stands for, in the prose.
MEANING = {
    "chips.other_buyers.other-buyers.budget_usd_per_year": "the more the buyers outside the "
    "four labs spend, the smaller the labs' share of the nation's accelerators once chips bind, "
    "and the smaller their runs",
    "ecosystem.chip_service_life_years": "chips that serve longer narrow the gap, because chips "
    "bought while the labs' targets size the runs would otherwise retire before chips bind them",
    "chips.hbm.domestic_yield": "once the stockpile is spent, CXMT's good stacks are what "
    "China's accelerators are assembled from (HBM binds), so a higher yield means more chips "
    "and a smaller gap",
    "chips.hbm.domestic_stacks_per_month.scale": "the scale of CXMT's HBM ramp acts like its "
    "yield: more stacks, more accelerators, a smaller gap",
}
chance = 1.96 / (N - 1) ** 0.5
def correlate(nth, r):
    rho = float(r["spearman"])
    if abs(rho) < chance:
        return f"The {nth}, `{r['parameter']}` (ρ = {rho:.2f}), is within chance."
    check(r["parameter"] in MEANING, f"the gap's correlate {r['parameter']} (ρ = {rho:.3f}) needs a sentence")
    return f"The {nth} is `{r['parameter']}` (ρ = {rho:.2f}): {MEANING.get(r['parameter'], '')}."
next_two = " ".join(correlate(nth, r) for nth, r in zip(["second", "third"], sens[1:3]))
life_mu = morris_mu("ecosystem.chip_service_life_years")
others_budget_mu = morris_mu("chips.other_buyers.other-buyers.budget_usd_per_year")

# Scenario discovery (step 4): the console output, the chosen box's line
# and its kept and dropped limits (box.csv).
def discovered(txt, sub, of="batch"):
    out = open(f"{D}/{txt}").read().rstrip()
    line = next(l for l in out.splitlines() if l.startswith("box "))
    m = re.search(r": (\d+) runs, (\d+) of interest: coverage ([\d.]+)%, density ([\d.]+)%", line)
    lim = list(csv.DictReader(open(f"{D}/out/{of}/discover/{sub}/box.csv")))
    kept = [r for r in lim if r["dropped"] == "0"]
    dropped = [r for r in lim if r["dropped"] == "1"]
    return out, float(m.group(3)), float(m.group(4)), kept, dropped
disc, disc_cov, disc_dens, disc_kept, disc_dropped = discovered(
    "discover.txt", "training.largest_run_flop-below-1e27")
small = sum(1 for r in rows if float(r["training.largest_run_flop"]) < 1e27)
kept_names = {r["parameter"] for r in disc_kept}
disc_firm = [r for r in disc_kept if float(r["resampled_share"]) >= 0.5]
disc_weak = [r for r in disc_kept if float(r["resampled_share"]) < 0.5]
check({r["parameter"] for r in disc_firm} == {"chips.hbm.domestic_stacks_per_month.scale",
                     "chips.other_buyers.other-buyers.budget_usd_per_year"},
      f"discover: the small-run box keeps {sorted(kept_names)}")
check(not any(r["parameter"].startswith("plants.") for r in disc_kept), "discover: a grid limit survives")
def limit_words(r):
    lo, hi, dlo, dhi = (float(r[k]) for k in ("low", "high", "data_low", "data_high"))
    name = r["parameter"]
    if name == "chips.hbm.domestic_stacks_per_month.scale":
        return f"CXMT's HBM ramp is at most {hi:.2f} times its central path"
    if name == "chips.other_buyers.other-buyers.budget_usd_per_year":
        return f"the other buyers of Chinese accelerators spend at least ${lo / 1e9:.0f} bn a year"
    if name.startswith("labs.") and name.endswith(".mfu"):
        lab = name.split(".")[1]
        lab = {"bytedance": "ByteDance", "deepseek": "DeepSeek", "alibaba": "Alibaba", "moonshot": "Moonshot"}.get(lab, lab)
        return f"{lab}'s MFU is {'at least ' + f'{lo:.3f}' if lo > dlo else 'at most ' + f'{hi:.3f}'}"
    return f"`{name}` is {'at least ' + f(lo, 3) if lo > dlo else 'at most ' + f(hi, 3)}"
disc_limits = " and ".join(limit_words(r) for r in disc_kept)
disc_without = " or ".join(f"{100 * float(r['density_without']):.0f} %" for r in disc_kept)
disc_qp = " and ".join(f"{float(r['quasi_p']):.0e}".replace("e-0", "e-") for r in disc_kept)
disc_again = " and ".join(f"{100 * float(r['resampled_share']):.0f} %" for r in disc_firm)
check(all(float(r["resampled_share"]) >= 0.8 for r in disc_firm), "discover: a kept limit is seldom found again")
disc_weak_txt = (" " + "; ".join(
    f"The box's limit that {limit_words(r)} is found again in only "
    f"{100 * float(r['resampled_share']):.0f} % of them, so these {N} runs do not settle it"
    for r in disc_weak) + ".") if disc_weak else ""
SHORT = {"chips.hbm.domestic_stacks_per_month.scale": "CXMT's HBM ramp",
         "chips.other_buyers.other-buyers.budget_usd_per_year": "the other buyers' budget"}
disc_firm_names = " and ".join(SHORT.get(r["parameter"], f"`{r['parameter']}`") for r in disc_firm)
# Parameters the box lacks that a quarter of the resampled boxes limit.
other_line = next((l for l in disc.splitlines() if "not in this box but limited" in l), "")
others = re.findall(r"(\S+) \(([\d.]+)%\)", other_line.split(": ", 1)[1]) if other_line else []
disc_others = (
    " Outside the box, "
    + " and ".join(f"`{name}` (limited in {float(share):.0f} % of the resampled boxes)" for name, share in others)
    + (" is a further factor" if len(others) == 1 else " are further factors")
    + f" these {N} runs do not settle."
) if others else ""

d28, cov28, dens28, kept28, _ = discovered(
    "discover-2028.txt", "training.largest_run_bound_year_2028-equals-chips")
n28 = sum(1 for r in rows if float(r["training.largest_run_bound_year_2028"]) == 2)
WORDS = ["no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
def say_n(n): return WORDS[n] if n < len(WORDS) else str(n)
if kept28:
    weak28 = (f"a box of {say_n(len(kept28))} supported limit{'s' if len(kept28) > 1 else ''} ("
              + ", ".join(f"`{r['parameter']}`, in {100 * float(r['resampled_share']):.0f} % of the resampled boxes" for r in kept28)
              + f") raises the share of such runs from {100 * n28 / N:.0f} % to {dens28:.0f} %"
              f" at {cov28:.0f} % coverage")
else:
    weak28 = "no box keeps a supported limit, and `discover` chooses the box of all runs"
check(dens28 < 50, f"discover: the 2028 chips box has density {dens28}")
cxmt_scale_mu = morris_mu("chips.hbm.domestic_stacks_per_month.scale")
cxmt_yield_mu = morris_mu("chips.hbm.domestic_yield")
packaging_mu = morris_mu("chips.packaging_units_per_month.scale")
NAMED = ("ecosystem.algorithmic_halving_months", "ecosystem.chip_service_life_years",
         "chips.other_buyers.other-buyers.budget_usd_per_year", "labs.bytedance.mfu",
         "chips.hbm.domestic_stacks_per_month.scale", "chips.hbm.domestic_yield")
rest_mu = [float(l.split()[1]) for l in morris_rows if l.split()[0] not in NAMED]
check(min(cxmt_scale_mu, cxmt_yield_mu, others_budget_mu, bd_mfu_mu) > life_mu > max(rest_mu),
      f"Morris: CXMT {cxmt_scale_mu}/{cxmt_yield_mu}, other buyers {others_budget_mu}, service life {life_mu}")
check(cxmt_scale_mu > max(cxmt_yield_mu, others_budget_mu), f"Morris: CXMT's scale {cxmt_scale_mu} not first of the chip inputs")
# The batch's first line and its headline block (the notes on outcomes
# only some runs report are left out of the excerpt).
batch_out = open(f"{D}/batch.txt").read().strip().splitlines()
batch_head = [l for l in batch_out if l.startswith("headline outcomes") or l.startswith("  ")]
check(batch_head, "the batch printed no headline outcomes")
batch_line = "\n".join(batch_out[:1] + batch_head)
ai = C["ai-first"]
# How the AI-first crunch's cost to the gap compares with tighter export
# controls': said by their 95 % intervals, not by the point estimates.
_, _, ai_lo, ai_hi, _ = ai["training.frontier_gap_months_end"]
_, ec_d, ec_lo, ec_hi, _ = C["export-controls-tighten"]["training.frontier_gap_months_end"]
if ai_lo > ec_hi:
    versus_controls = "more than tighter export controls cost"
elif ai_hi < ec_lo:
    versus_controls = "less than tighter export controls cost"
else:
    versus_controls = (f"about as much as tighter export controls cost ({ec_d:+.2f} months; "
                       "the two 95 % intervals overlap)")
# The bundle's parts (step 5): the HBM part alone against the baseline,
# and what the scanner and packaging cuts add on top of it.
hbm, rest, full = C["export-controls-tighten-hbm"], C["tighten-rest"], C["export-controls-tighten"]
LR, GAP = "training.largest_run_flop", "training.frontier_gap_months_end"
check(rest[LR][2] < 0 < rest[LR][3], f"the scanner and packaging cuts' effect on the largest run excludes 0: {rest[LR][1:4]}")
check(rest[GAP][2] < 0 < rest[GAP][3], f"the scanner and packaging cuts' effect on the end gap excludes 0: {rest[GAP][1:4]}")
check(hbm[LR][1] / full[LR][1] > 0.8, f"the HBM part is not most of the bundle's cut: {hbm[LR][1]:.3e} vs {full[LR][1]:.3e}")
rest_years = {y: rest[f"training.largest_run_flop_year_{y}"] for y in range(2027, 2035)}
rest_down = [y for y, r in rest_years.items() if r[3] < 0]
rest_up = [y for y, r in rest_years.items() if r[2] > 0]
check(rest_down and rest_up and max(rest_down) < min(rest_up),
      f"the scanner and packaging cuts: smaller runs {rest_down}, larger {rest_up}, not earlier then later")
def years(ys): return f"{min(ys)}–{max(ys)}" if len(ys) > 1 else str(ys[0])
rest_delivered = open(f"{D}/compare-tighten-rest.txt").read()
m_del = re.search(r"^fab\.accelerators_delivered_total .*?(\d+)\s*$", rest_delivered, re.M)
rest_deliv_runs = int(m_del.group(1)) if m_del else None
check(rest_deliv_runs is not None and rest_deliv_runs < 50, f"packaging moves deliveries in {rest_deliv_runs} runs")
# Where the controls bite: discover over the compare.
dt, dt_cov, dt_dens, dt_kept, dt_dropped = discovered(
    "discover-tighten.txt", "training.largest_run_flop_year_2030-relative-difference-below--0.15",
    of="compare-export-controls-tighten")
dt_line = next(l for l in dt.splitlines() if l.startswith("runs of interest"))
dt_cases = int(re.search(r", (\d+) of (\d+) runs", dt_line).group(1))
check([r["parameter"] for r in dt_kept] == ["chips.hbm.domestic_stacks_per_month.scale"],
      f"discover over the compare keeps {[r['parameter'] for r in dt_kept]}")
dt_ramp = next((r for r in dt_kept if r["parameter"] == "chips.hbm.domestic_stacks_per_month.scale"), None)
check(dt_ramp is not None and float(dt_ramp["low"]) > float(dt_ramp["data_low"]) and float(dt_ramp["high"]) == float(dt_ramp["data_high"]),
      "discover over the compare: the HBM ramp is not limited from below alone")
dt_ramp_lo = float(dt_ramp["low"]) if dt_ramp else float("nan")
dt_ramp_qp = f"{float(dt_ramp['quasi_p']):.1e}".replace("e-0", "e-") if dt_ramp else "?"
dt_ramp_again = 100 * float(dt_ramp["resampled_share"]) if dt_ramp else float("nan")
dt_firm = dt_ramp_again >= 50
dt_settle = ("a year's delay of CXMT's HBM costs most where the ramp it delays would\nhave been large" if dt_firm else
             "a year's delay of CXMT's HBM may cost most where the ramp it delays would\nhave been large, but 100 paired runs do not settle it (the limit is\nmore likely this sample's than the model's)")
# "Power never binds": the AI-first crunch's power losses beside its bound labels.
ai_b = list(csv.DictReader(open(f"{D}/out/compare-ai-first/b/runs.csv")))
lost34 = C["ai-first"]["training.share_lost_power_year_2034"]
lost34_b = lost34[0] + lost34[1]
ai_chips34 = sum(1 for r in ai_b if float(r["training.largest_run_bound_year_2034"]) == 2)
check(lost34_b > 0.05, f"AI first: share lost to power in 2034 {lost34_b}")
others_share = o("fab.accelerators_delivered_to_others_total")["mean"] / o("fab.accelerators_delivered_total")["mean"]
check(0.5 < others_share < 0.8, f"other buyers' share of accelerators {others_share}")
text = f"""## Worked example: does china-2025 keep pace with the world frontier?

The case that motivated aistack is a thesis: *a country with surplus
generation, a domestic chip industry under export controls, and labs that
publish open weights can keep pace with the world's frontier.* Its
opposite: *under export controls it falls further behind, and neither cheap
power nor open weights changes that.* This example lets the calibrated
baseline (`examples/scenarios/china-2025.ron`) decide, with the real
commands and their real outputs (commit {rev}, {when}, 2 threads). The
measure of "keeping pace" is `training.frontier_gap_months_end`: how many
months the nation's best model stands behind the world frontier at the
horizon's end (`training.frontier_gap_months_year_Y` for each year; defined
in docs/model/model-training.md, "The gap now"). The world frontier is an
assumption of the scenario (10^26.7 physical FLOP in 2025, ×4.5 a year,
plus the world's algorithmic progress, 1.1 orders of magnitude of
effective compute a year at an 8-month halving time;
docs/calibration/scenarios.md), not an output: it gives 9.2e29 FLOP of
physical compute in 2030, 4.6 times Epoch's on-trend 2e29 (2024), so a gap
is a distance to an extrapolation (on a path through Epoch's figure the end
gap is about 7 months shorter), and a gap of compute, not of benchmarks
(docs/calibration/scenarios.md, "What decides the AI headlines").
`scripts/worked-example.sh` re-runs every command below and rewrites this
section and its two charts from their outputs.

**1. A batch.** {N} runs, each with its own draw of the scenario's {words[K]}
uncertain parameters (HBM stockpile, CXMT's HBM ramp (a scale of its path
and its yield), a scale of advanced packaging's path, the world's
algorithmic halving time, which moves the frontier and every
lab together, the four labs' MFU, drawn together with rank correlation 0.8,
Moonshot's spillover share,
southwest hydro's capacity factor, the accelerators' service life, the
budget of the buyers of Chinese accelerators outside the four labs, and the
four labs' growth targets, drawn together with rank correlation 0.7) and its own weather, outages and failures:

```console
$ aistack batch examples/scenarios/china-2025.ron --runs {N} --seed 1 --threads 2 --out out/batch
{batch_line}
```

(The notes it prints after the first line, on outcomes only some runs
report, are left out.) The headline rows are `summary.json`'s, which has
every outcome; for the gap by year it says (mean ± the mean's Monte Carlo
standard error; 5th, 50th and 95th percentiles across runs, point
estimates whose own Monte Carlo error is larger than the mean's: Quantiles
under Statistics):

| outcome | mean ± MCSE | p5 | p50 | p95 |
| --- | --- | --- | --- | --- |
| gap at the end of 2025, months | {f(g25['mean'])} ± {f(g25['mcse'],3)} | {f(g25['p5'])} | {f(g25['p50'])} | {f(g25['p95'])} |
| gap at the end of 2029, months | {f(g29['mean'])} ± {f(g29['mcse'],2)} | {f(g29['p5'])} | {f(g29['p50'])} | {f(g29['p95'])} |
| gap at the horizon's end (1 Jan 2035), months | {f(gend['mean'])} ± {f(gend['mcse'],2)} | {f(gend['p5'])} | {f(gend['p50'])} | {f(gend['p95'])} |
| largest training run, FLOP | {e(lr['mean'])} ± {e(lr['mcse'])} | {e(lr['p5'])} | {e(lr['p50'])} | {e(lr['p95'])} |

The gap grows in {grows} of {N} runs: the country falls further behind.
No run curtails an AI load (`energy.ai_curtailed_mwh_total` is 0 in every
run), and in every run each year's largest training run from {chips_from} to
{chips_to} is bound by chips (`training.largest_run_bound_year_Y` = 2); no
year's largest run in any run is bound by power.

**2. Charts and a tornado.** `aistack plot out/batch` writes a fan chart of
each key metric (the gap's is `fan-training_frontier_gap_months-national.svg`,
the first chart below) and a histogram and tornado per outcome into
`out/batch/plots/`, and the rank correlations into
`out/batch/sensitivity.csv` (`--out OUT` writes the charts and
`sensitivity.csv` into OUT instead and nothing into the batch's directory,
so a colleague's batch or a read-only archive can be plotted; a run's
charts go to OUT the same way; an OUT that is not plot's own is refused,
see [An `--out` that is not the command's own](#interruption-resume-shards-and-merge)). Below, that file's three rows for the gap at
the end with the largest |ρ|, sorted by |ρ| and rounded to 3 decimals (the
file has a row per outcome and parameter, the parameters in the order of
`manifest.json`'s `parameters`, at full precision):

![Months behind the world frontier, 5–95 % band over {N} runs](img/worked-fan-gap.svg)

![What drives the gap at the end: partial rank correlations (PRCC), as china-2025 declares correlated inputs](img/worked-tornado-gap.svg)

```text
outcome,parameter,n,spearman,prcc
""" + "\n".join(f"{r['outcome']},{r['parameter']},{r['n']},{float(r['spearman']):.3f},{float(r['prcc']):.3f}" for r in sens[:3]) + f"""
```

One assumption dominates the gap: `ecosystem.algorithmic_halving_months`
(the months the world, the frontier and every lab alike, needs to halve the
compute of a given capability; ρ = {float(sens[0]['spearman']):.2f}). It moves the labs'
efficiency and the frontier's together, so it hardly changes how many
orders of magnitude of compute the nation is short; but a gap in months is
that shortfall divided by the frontier's slope, physical growth (0.65
orders a year) plus the world's rate (0.45 at 8 months), and a slower rate
reads the same shortfall as more months. Read a gap in months beside its
run's draw of the rate. {next_two} (At {N} runs
|ρ| below 1.96/√(n − 1) = {chance:.3f} is what no effect at all gives in 5 % of
batches.) The tornado draws PRCC, not ρ: china-2025 declares rank
correlations (between the labs' compute growth targets), and with
correlated inputs a parameter's ρ carries the effects of those it is
correlated with, where PRCC holds the other parameters fixed (the `prcc`
column; a scenario without correlations gets a tornado of ρ). Its title
says which it draws, and a grey strip about 0 marks the chance band of
PRCC, 1.96/√(n − k) for k parameters (its legend gives it): {1.96 / (N - n_params) ** 0.5:.2f} here, with {n_params}. The size of the largest run has
other drivers (its strongest correlate is `{top_lr['parameter']}`, ρ =
{float(top_lr['spearman']):.2f}), but a run's size moves the gap little: with the frontier
growing 1.1 orders of magnitude a year, a run 15 % smaller is about 0.8
months further behind.

**3. Screening.** Morris elementary effects on the same outcome (cheap:
20 trajectories × {K + 1} runs):

```console
$ aistack sensitivity examples/scenarios/china-2025.ron --method morris \\
    --outcome training.frontier_gap_months_end --trajectories 20 --seed 1 --threads 2 --out out/morris
{morris}
```

After the world's rate come the chip inputs: CXMT's HBM ramp (its scale,
then its yield) and the other buyers' budget, because HBM, not dies, limits
how many accelerators are assembled once the stockpile is spent
(`fab.binding_input_mode` = 3, HBM), and the other buyers take the rest.
Packaging's scale hardly moves the gap (μ* {packaging_mu:.2f}): it moves
when the stockpile is assembled, not how many chips. SMIC's capacity and
yield are no longer drawn: with the wafer-start planner they move no
delivery (docs/calibration/scenarios.md). A μ* of exactly 0 means the
parameter never moved the outcome: Moonshot's spillover share cannot,
because every lab progresses at the world's rate, so no release carries
efficiency another lab lacks, and the national best model is not Moonshot's
(at the scenario's seed it is ByteDance's closed release of October 2034,
summary.json `releases`). Of the four labs' MFU only ByteDance's moves it
much (μ* {bd_mfu_mu:.1f}, as much as the other buyers' budget; Alibaba's
{al_mfu_mu:.2f}, DeepSeek's {mfu_mu_txt}): once chips bind, the utilisation of
the lab that holds the best model sets how much its chips train. (Morris
moves one parameter at a time and ignores the MFUs' rank correlation; in
the batch they move together. Until the thirty-fourth session only
DeepSeek's MFU was drawn, and MFU read as mattering not at all.)
""" + (f"""
The Sobol decomposition of the same outcome (64 × ({K} + 2) = {64 * (K + 2)} runs; the
intervals are bootstrap 95 % intervals, wide at this N):

```console
$ aistack sensitivity examples/scenarios/china-2025.ron --outcome training.frontier_gap_months_end \\
    --runs 64 --seed 1 --threads 2 --out out/sobol
{sobol}
```
""" if sobol else "") + f"""
**4. Under which assumptions.** Sensitivity ranks the parameters one at a
time; `aistack discover` asks which combination of them holds the runs
where an outcome passes a threshold (PRIM's peeling, each limit with a
quasi-p-value, the unsupported ones dropped:
[Scenario discovery](#scenario-discovery-under-which-assumptions)). When
does the largest training run by 2035 stay under 10^27 FLOP?

```console
$ aistack discover out/batch --outcome training.largest_run_flop --below 1e27
{disc}
```

{100 * small / N:.0f} % of the runs end with a largest run under 10^27 FLOP. Where
{disc_limits}, {disc_dens:.0f} % of the runs do, and that box holds
{disc_cov:.0f} % of all such runs. Each limit matters: without it the share
falls to {disc_without} (quasi-p {disc_qp}), and the boxes found again on 50
resamples of the runs limit {disc_firm_names} in {disc_again} of cases.{disc_weak_txt}{disc_others}
{say_n(len(disc_dropped)).capitalize()} more limits of
the deep box only fitted the sample's noise and were dropped. So within this
scenario a small largest run is a chip story, HBM supply and who else buys
the chips (and, less firmly, how well the leading lab uses them), and not a power story: no limit on the grid's parameter
(southwest hydro) survives.

![Peeling trajectory: density against coverage](img/discover-largest-run.svg)

The question of which runs' 2028 largest run is bound by chips
(`--outcome training.largest_run_bound_year_2028 --equals chips`, {n28} of
{N} runs) gets a weak answer: {weak28}. Which input binds in 2028 depends
on more than a few parameters' limits (the labs' growth targets are drawn
with rank correlation 0.7, so each alone looks like noise).

**5. Each leg of the thesis, as a policy comparison.** `aistack compare`
runs two scenarios with the same run seeds and random streams (common
random numbers), so the difference is the policy's, not the weather's. Each
variant below removes or weakens one leg of the thesis (100 runs each):

```console
$ aistack compare examples/scenarios/china-2025.ron examples/scenarios/export-controls-tighten.ron \\
    --runs 100 --seed 1 --threads 2 --out out/compare-export-controls-tighten
{excerpt("export-controls-tighten", ["training.frontier_gap_months_end", "training.frontier_gap_months_year_2029", "training.largest_run_flop", "fab.accelerators_delivered_total", "training.releases_total"])}
```

(`compare` prints every outcome both sides report, and names those only
one side reports, e.g. the years past the shorter horizon; the rows above
are an excerpt.)
`training.releases_total` counts the models of all four labs, open and
closed, whose runs finished before the horizon; a run still training at the
end counts nothing, so a difference of a fraction of a release is a matter
of timing in the last weeks, not of more models. The comparisons,
B − A with its 95 % interval (the second and third split the first into
its parts):

| B against A | what B changes | gap at the end, months | largest run | AI load cut, MWh |
| --- | --- | --- | --- | --- |
| export-controls-tighten − china-2025 | from 2026: CXMT's HBM a year late, fewer domestic scanners, a third less packaging | {ci("export-controls-tighten", "training.frontier_gap_months_end")} | {rel("export-controls-tighten", "training.largest_run_flop")} | {e(C["export-controls-tighten"]["energy.ai_curtailed_mwh_total"][1])} |
| export-controls-tighten-hbm − china-2025 | its HBM part alone: CXMT's HBM a year late | {ci("export-controls-tighten-hbm", "training.frontier_gap_months_end")} | {rel("export-controls-tighten-hbm", "training.largest_run_flop")} | {e(hbm["energy.ai_curtailed_mwh_total"][1])} |
| export-controls-tighten − export-controls-tighten-hbm | its scanner and packaging part, on top of the HBM part | {ci("tighten-rest", "training.frontier_gap_months_end")} | {rel("tighten-rest", "training.largest_run_flop")} | {e(rest["energy.ai_curtailed_mwh_total"][1])} |
| no-spillovers − china-2025 | no lab absorbs another's releases | {ci("no-spillovers", "training.frontier_gap_months_end")} | {rel("no-spillovers", "training.largest_run_flop")} | {e(C["no-spillovers"]["energy.ai_curtailed_mwh_total"][1])} |
| grid-crunch − china-2025 | 7 %/yr demand growth, slower build-out, AI loads still protected | {ci("grid-crunch", "training.frontier_gap_months_end")} | {rel("grid-crunch", "training.largest_run_flop")} | {e(C["grid-crunch"]["energy.ai_curtailed_mwh_total"][1])} |
| grid-crunch-ai-first − grid-crunch | the same crunch, AI loads curtailed first | {ci("ai-first", "training.frontier_gap_months_end")} | {rel("ai-first", "training.largest_run_flop")} | {e(ai["energy.ai_curtailed_mwh_total"][1])} |

The bundle's HBM part does nearly all of its work: CXMT's HBM a year
later cuts the largest run by {rel("export-controls-tighten-hbm", "training.largest_run_flop")}, the whole bundle by
{rel("export-controls-tighten", "training.largest_run_flop")}. The scanner and packaging cuts on top of it move the
largest run by 2035 and the end gap by amounts whose intervals include 0:
scanners never bind (SMIC's dies outrun the back end: docs/calibration/scenarios.md,
"HBM binds because the inputs say so"), and less packaging delays the
assembly of the HBM stockpile more than it cuts it
(`fab.accelerators_delivered_total` differs in {rest_deliv_runs} of 100 runs). It moves the
timing, in opposite directions: the largest runs of {years(rest_down)} are smaller,
those of {years(rest_up)} larger, because chips assembled later are still in
service when chips bind the runs. That is the service-life mechanism of step 6 and rests on the same
assumption (labs spend their whole budget on chips each month, whatever
their runs need: docs/model/model-training.md, "What it leaves out"); a
model in which labs hold chips back for later runs would weigh it
otherwise. A briefing on which control to tighten should quote the parts,
not the bundle (audit s33-econ F1). Until the thirty-fourth session the
bundle also held the HBM stockpile at the low end of its estimate, a
revised count of stock shipped before the controls rather than a control,
and cut packaging from 2025, before the controls it stands for; its HBM
part then cut more than the bundle, and the packaging part raised the
largest run by 2035 (fab audit s34, A1).

*Where the controls bite.* `discover` over the compare's directory marks
each run by the policy's effect, here the relative change of the 2030
largest run, (B − A)/|A|, and peels the box of the assumptions where the
controls cut it by more than 15 %:

```console
$ aistack discover out/compare-export-controls-tighten --outcome training.largest_run_flop_year_2030 \\
    --relative --below -0.15
{dt}
```

In {dt_cases} of 100 runs tighter controls cut the 2030 largest run by more than
15 %. Where CXMT's HBM ramp is at least {dt_ramp_lo:.2f} times its central path,
{dt_dens:.0f} % of the runs do, and that box holds {dt_cov:.0f} % of them (quasi-p
{dt_ramp_qp}; the limit is found again in {dt_ramp_again:.0f} % of the resampled boxes):
{dt_settle}. Both scenarios draw the stockpile alike (shipped before
the controls), so it is one column, and no limit on it survives.

The crunch is real for everyone else: in grid-crunch the average price
rises by {C["grid-crunch"]["energy.avg_price_usd_per_mwh"][1]:.0f} USD/MWh (from {C["grid-crunch"]["energy.avg_price_usd_per_mwh"][0]:.1f}) and
{100*(C["grid-crunch"]["energy.unserved_fraction"][0]+C["grid-crunch"]["energy.unserved_fraction"][1]):.2f} % of demand goes unserved, and the labs pay
{e(C["grid-crunch"]["training.spend_usd_total"][1])} USD more for electricity over the decade.

**6. What the numbers say.** Within this scenario's assumptions:

- *Keeping pace:* no. The gap grows from {f(g25['mean'])} months at the end of 2025 to
  {f(gend['mean'])} at the horizon's end (p5–p95: {f(gend['p5'])}–{f(gend['p95'])}), in {grows} of {N} runs.
  The gap is to the world frontier, an input path extending the 2025
  trend (docs/model/model-training.md, Releases and the frontier), which
  the US labs of us-2025 do not keep up with either once one run is held
  to the largest campus's chips (from 2026–27) and their budgets stop
  growing in 2028: on the same path they end {US_GAP[0]}, {US_GAP[1]} and {US_GAP[2]}
  months behind at the end of 2025, of 2029 and at the horizon's end
  (`aistack batch examples/scenarios/us-2025.ron --runs 100 --seed 1`,
  twenty-ninth session's end; MCSE {US_MCSE[0]}, {US_MCSE[1]}, {US_MCSE[2]}; the two scenarios draw the
  world's rate from the same path, so a seed gives both the same rates). Against the modelled US,
  then, China's best model trails by about {g25['mean']-US_GAP[0]:.0f}, {g29['mean']-US_GAP[1]:.0f} and {gend['mean']-US_GAP[2]:.0f} months of the
  trend (the differences of the gaps; {gend['mean']-US_GAP[2]:.0f} months is {(gend['mean']-US_GAP[2])/12*1.1:.1f} orders of
  magnitude of effective compute at the trend's 1.1 a year), and the gap to the US {"still grows" if gend['mean']-US_GAP[2] > g25['mean']-US_GAP[0] else "does not grow"}.
- *Surplus generation:* it holds, and it is a policy as much as a
  surplus. In the baseline power never binds a largest run. A crunch that
  leaves {100*(C["grid-crunch"]["energy.unserved_fraction"][0]+C["grid-crunch"]["energy.unserved_fraction"][1]):.2f} % of all demand unserved moves the gap by only
  {C["grid-crunch"]["training.frontier_gap_months_end"][1]:+.2f} months while the state cuts households and industry before AI loads,
  but by a further {ai["training.frontier_gap_months_end"][1]:+.2f} months when AI loads are cut first
  ({e(ai["energy.ai_curtailed_mwh_total"][1])} MWh taken from them; the best model's capability falls by
  {-ai["training.best_capability"][1]:.2f} orders of magnitude of effective compute),
  {versus_controls}.
  Three conditions stand behind "power never binds". The buyers outside
  the four labs, who get {100 * others_share:.0f} % of the nation's accelerators, have no
  datacenter in the scenario, so their chips draw no power
  (docs/calibration/scenarios.md, "other buyers": a variant that gives
  them one draws 154 TWh over the decade, of which the grid cuts none).
  The state cuts datacenters last (china-2025's curtailment order, which
  grid-crunch-ai-first reverses). And
  `training.largest_run_bound_year_Y` says power only when power alone
  binds, so power beside another limit shows in
  `training.share_lost_power_year_Y` instead: in grid-crunch-ai-first the
  labs lose {100 * lost34_b:.1f} % of their compute to power in 2034, while the
  largest run of 2034 reads `chips` in {ai_chips34} of its 100 runs. For the
  grid question, read the share lost.
- *Domestic chips under controls:* chips bind each year's largest run from {chips_from} in every
  run (from 2028 in {chips_2028} of {N}), the labs getting about a third of the nation's
  accelerators (the rest go to the buyers outside them); tighter
  controls cut the largest run by {-100*C["export-controls-tighten"]["training.largest_run_flop"][1]/C["export-controls-tighten"]["training.largest_run_flop"][0]:.0f} % but widen the end gap by only
  {C["export-controls-tighten"]["training.frontier_gap_months_end"][1]:.2f} months. The HBM control does nearly all of it
  ({rel("export-controls-tighten-hbm", "training.largest_run_flop")}); the scanner and packaging controls move
  the largest run by an amount whose interval includes 0
  ({rel("tighten-rest", "training.largest_run_flop")}): in this scenario HBM binds by construction, so
  controls on the logic side cannot show an effect (docs/calibration/scenarios.md,
  "HBM binds because the inputs say so").
- *Open weights:* spillovers between the domestic labs are worth
  {C["no-spillovers"]["training.frontier_gap_months_end"][1]:.2f} months of gap at the end: every lab progresses at the world's
  algorithmic rate (one draw for the frontier and all labs), so no release
  carries efficiency another lab lacks, and spillovers carry nothing else
  (until the twenty-ninth session DeepSeek's rate alone was drawn, and
  spillovers carried its fast draws to ByteDance's closed model: +2.00
  months on average, all of it that one draw: review s28, A1 and B6). The
  open-weight leg of the thesis acts through labs whose rates differ (a
  lab's `efficiency_rate_ratio`) or that build on others' open models
  (`open_base_share`, 0 here): neither is calibrated, so this scenario
  cannot test it.
- *The early years are an input:* until chips bind, each lab's runs are
  sized by its own growth target, so the gap through 2027 is what the
  targets say. The gap at the end of 2027 is led, after the world's rate
  (ρ = {float(early_world['spearman']):.2f}), by
  `{early['parameter']}` (ρ = {float(early['spearman']):.2f} in sensitivity.csv);
  Epoch's ×3 a year for China's top models (range 2.5–4) was measured under
  export controls, which is why the targets are drawn, not fixed; tighter
  controls move the 2029 gap by only
  {C["export-controls-tighten"]["training.frontier_gap_months_year_2029"][1]:+.2f} months, in the runs whose targets reach the chip
  limit by then.
- *What would change the answer:* the world's algorithmic progress, which
  sets the frontier's effective slope and so how many months a shortfall of
  compute reads as (Morris μ* {halving_mu:.1f} months per unit of probability);
  CXMT's HBM ramp, which is an assumption (no volume or yield is published:
  its scale μ* {cxmt_scale_mu:.1f}, its yield μ* {cxmt_yield_mu:.1f});
  how many of the nation's accelerators the labs get (the other buyers'
  budget, μ* {others_budget_mu:.1f}, an assumption: docs/calibration/scenarios.md);
  the labs' MFU (ByteDance's μ* {bd_mfu_mu:.1f}: the best model's lab);
  how long the accelerators serve (μ* {life_mu:.1f}; chips the labs buy while
  their targets size the runs retire before chips bind, since labs spend
  their whole budget on chips each month, whatever their runs need:
  docs/model/model-training.md, "What it leaves out"), against
  ≤ {max(rest_mu):.2f} for every other parameter; and the world frontier's pace, which
  the scenario fixes (its physical compute; its algorithmic part is the
  drawn world rate). To test the thesis against a slower frontier, write a
  variant that sets `ecosystem.frontier_log10_physical_flop` and compare.
"""
open(f"{D}/worked.md", "w").write(text)
if doc:
    body = open(doc).read()
    start = body.index("## Worked example")
    end = body.index("\n## ", start) + 1
    open(doc, "w").write(body[:start] + text + "\n" + body[end:])
print("\n".join("WARNING: " + w for w in warn) or "checks ok")
