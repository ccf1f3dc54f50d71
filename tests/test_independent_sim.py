"""Sessions from the independent simulator (``benchmarks/altsim.py``): a second world, written
apart from ``imu_pushup.simulate``, whose truth the chest analysis must recover.

Each session below shows one way that world differs from ours, and the count its truth gives:
* 115: recorded from the plank at 26 Hz, fast ascents the integration cannot follow: the reps
  repeat a measured one and count;
* 153: three sets with rests; in the second the back bends so that the upper trunk turns the
  other way as the sternum goes down (the height times those reps);
* 37, 94: partial reps with the upper back nearly level (a turn of 2-4 degrees);
* 43: shallow reps at 26 Hz whose upper trunk turns 2-4 degrees the other way as the sternum
  goes down (the turn's valleys sit between the reps: the height times them; its own test);
* 5, 101: plank holds with weight shifts: no reps;
* 89, 165: lying prone and getting up: no reps;
* 38, 14: knee push-ups recorded from the knee plank; the first rep shows toe-like kinematics,
  the later ones read short, but they repeat it and count;
* 168: knee push-ups at 25 Hz, touch-and-go tops and 0.4 s ascents: the integrated height of
  some reps barely moves while the trunk turns 24 degrees and back (the turn times them).
* 1120, 1115: recorded from the plank, the hips sagging further and the lower back dipping at
  each rep so that the upper trunk turns 3-9 degrees for a 25 cm drop: the height times the
  reps, and a series of them in the first posture counts (200 Hz and 50 Hz);
* 34, 59: walking, whose steps bob the chest 4-6 cm: no reps, series or not;
* 92, 81: recorded on all fours, a set of one or two such reps (too few for a series), then up
  to the knees or standing: that turn shows the first posture was a plank, and they count;
* 23, 187: a set's first rep timed twice, a part of it each (by the rotation, and by the height
  as a series rep): one rep;
* 198, 151: the lower back dips further at the set's last reps, so the upper trunk turns 11-14
  degrees up as the sternum goes down: the height times them;
* 19, 180, 108: the band-limited height remembered the move into the plank (or onto the floor)
  for seconds and made a rep of a settle there; it starts again at the new posture's first hold
  (19: nine reps, 180: a plank hold, 108: lying prone and getting up);
* 41, 20, 51: a rep in a multi-set session run straight into from the rep before, with a fast
  way down and a long bottom pause: the stillest sample before its way down lies in the bottom
  pause, and the rep is measured again from the stillest sample near the band's top;
* 1083, 1158: a set's end onto the knees and all fours, whose sternum dips and comes back up:
  measured from that far back it is no rep, since the trunk does not come back to where it was;
* 1136 (and lumbar 30): getting into the plank, the trunk overshoots and holds a little lower,
  so the top a set's first rep left is a passing peak seconds before its way down (longer than
  any stroke): the rep is measured from the stillest sample of the top's wider band.
* 2075: sitting down and standing up; leaning into each stand-up and back upright turns the
  upper trunk 31-37 degrees toward the first (standing) posture as its "way down" while the
  sternum rises, so its height fails and the turn alone would make a rep: no reps.
* 1094: knee push-ups from kneeling, all waiting for the first posture's verdict; the last one's
  integrated height failed (the turn alone times it), which counts only as one more rep of a
  set: the set of the waiting reps, with which it waits.
* 4086, 4106: recorded from kneeling, the first still hold already in the plank, and a set there;
  getting up at the end, a lean while standing up from kneeling made a rep whose top (kneeling
  upright) was 69-75 degrees from that first posture, which alone read as "a plank". After a set
  in the first posture, a top that far from it and from the set's tops is on the way up.
* 6069, 6097: recorded from the plank; the set's first measured rep was timed from a lower
  anchor (a wobble at the bottom), so its candidate's turn read 2.6 degrees against the 10-11
  of the reps it repeats: the turn over the rep's own window counts as well (6069). At the end
  of the recording, a rep whose one-condition height read short (no toe kinematics of its own)
  counts when it repeats a rep that showed them (6097: the set's first two reps).
* 4006, 5198: slow descents (2-3 s) and bottom pauses of 1-1.5 s, the upper trunk turning a few
  degrees (4006: shallow reps; 5198: recorded from the plank, a whole set of 12 missed): over
  the pause the band-limited height crept back up by half the drop and stalled, which read as
  the top after, so the rest after fell before the way up. The top after is confirmed only once
  the height is back up by three quarters of its drop.
* 7162, 4068: shallow reps (8 cm) with bottom pauses of 1.5 s, and a trunk whose tops differ by
  2.5 degrees from one rep to the next; the rest before found partway down, the retry from near
  the band's top wanted the trunk back within 2 degrees and refused the rep. Now 3 degrees.
* 1027: a 2.6 s way down that stalls halfway, the band's top after confirmed by the fall into
  the rest of the descent: a retry from the band's top measured 4 cm of the descent as a rep of
  its own. The retry is only for a valley the band saw come back up by half its drop.
* 7124: recorded from all fours a second before stepping into the plank, whose trunk sat 5
  degrees from it, sideways to the reps' way down: measured from there, each rep's 11 degree
  turn read 1-5, and the height valleys (35 cm, the trunk turning 11 degrees and back) were
  refused as turning too far for reps the height times. Two such valleys that repeat each other
  now show the way down, as upside-down valleys do (5 of 11 -> 11).
* 7175: recorded from the plank; the rotation's reference changed during the first rep, and the
  rep's height window read the rotation from the old reference before the change and the new one
  after (a jump of 98 degrees), so the turn did not follow the height and the rep was refused.
  A height window now reads the rotation from the current reference throughout.
* 7180: recorded from all fours, knee push-ups whose tops sat 34.9-35.6 degrees from that first
  posture: once reps at 35 or more had shown it was no plank, a rep at 34.9 read as back in it
  and was refused. A top within 10 degrees of the set's reps' tops is in their plank.
* 8183, 4012: lying prone for 3-6 s from all fours and getting up through a cobra: the upper
  trunk turns back up while the sternum still lies on the floor, which the height's fit, bent by
  the fast turn at the window's end, read as a slow rise over the whole rest. Integrated through
  the still rest at the bottom (velocity 0 there), the sensor has not risen when the trunk is
  back: no rep.
* 8165, 4009, 7078: recorded from the plank, a set whose first reps the height times (the
  trunk barely turns: partial reps, or hips that sag as the chest goes down) waiting to become a
  series of three, then reps from the same top that turn enough to show toe kinematics: those
  prove the set, and the waiting reps are its first reps (they were dropped at the end).
* 9037, 2011: reps with bottom pauses whose trunk turns on by 3-5 degrees while the hips settle
  (the upper back barely turns with the reps): the retry from near the band's top wanted the
  trunk back within 3 degrees and refused them. Now 5 (a move onto the knees or all fours turns
  it 10 or more).
* 9076, 4146: a dip while kneeling down from standing, timed by the height, waiting as a
  first-posture rep: the trunk was back within a degree or two of its top at the dip's lowest
  point, so the axis from top to lowest point was noise, and the turn into the plank read as
  against it (up from a plank). The verdict now takes the way the trunk turned farthest on the
  way down (the kneel-down's forward lean): the plank is further that way, so no rep.
* 9111: recorded from the plank, a set of three whose first rep the rotation could not time (a
  2 degree turn) and whose height valley was taken for the second rep: that rep's window reached
  back over the first from the rest before it. A valley is now the same rep as a reported one
  only when its low lies within that rep's motion, from its start to its end.
* 5048: knee push-ups recorded from the knee plank, the recording ending on all fours: that
  hold turned the trunk 19 degrees the reps' way down with the sternum 3 cm higher (the move
  onto all fours that shows the reps were push-ups), short of the 20 degrees asked. Hands under
  the shoulders and knees under the hips still incline the trunk about 17 degrees against a
  knee plank's 38: now 15.
Lumbar: 58, 72 recorded from the plank (the lumbar sits nearer the toes than the sternum, so its
drop per radian is shorter); 128, a set and then standing up (not a rep); 1165, 1191, sitting
down and standing up (rising from a seat turns the pelvis 30-40 degrees, against the way it then
goes down: not a plank); 77, sitting down and standing up again (after the rep-like sit-downs the
pelvis turns the way they went down and rises by half a metre: no hips leave a knee plank that
far onto all fours); 8044, sitting down and standing up, again and again (standing up from
the seat raised the pelvis 6-28 cm into a hold turned the reps' way down, as onto all fours
from a knee plank; but that hold is back towards the posture the recording started in, nearer
it than the reps' top: up from a seat, not onto all fours); 7121, knee push-ups recorded from
the knee plank, then onto all fours, whose trunk turned 15-20 degrees (see chest 5048). Wrist: 49, 129 squats
with the forearms swinging fast: no reps (a planted hand does not move faster than the forearm's
turn allows at that instant); 3, a second set after a standing rest with a long pause at the
bottom of every rep (the set is counted from its series, not from the rest before it); 1128,
a set of one rep after a short rest (the rest's hand movements re-entered the set's top
from other postures and kept the set before it open, so the lone rep was never looked for);
2154, 1130: reps with a bottom pause of a second or more, in which the forearm settles back and
forth by 4-11 degrees: those wiggles are taken out of the turning points when a set is looked
for (2154: a whole knee set of nine was missed); 4126: a knee set whose forearm, four strokes a
rep, comes back from half way to within 11 degrees of its top at the bottom, each rep alike
within a degree or two: one rep per four strokes, not two; 2167, 1092: a set of one rep whose
forearm, at the plank's top, leans 27-33 degrees from where it hung at the start; 2092, 4136: a
set of one rep whose forearm leans as far from there at the top as at the bottom (26-27 degrees,
to either side of the vertical): the excursion out and back from a held end starts at the top;
8024, 8037: a set of one rep after 4-8 s held in the plank, whose way into the plank passed a
posture 21 degrees from the rep's bottom (that turn plus the rep looked like a set's strokes
seen from its bottoms); a top held longer than any bottom pause, nearer the start's posture than
that turn, is no set's bottom.
The full comparison is ``python benchmarks/altsim_bench.py``.
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

import imu_pushup as ip

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"
if not (BENCH / "altsim.py").exists():   # pragma: no cover - an installed package without sources
    pytest.skip("benchmarks/altsim.py is not here (not a source checkout)", allow_module_level=True)
sys.path.insert(0, str(BENCH))
altsim = pytest.importorskip("altsim")


@pytest.mark.parametrize("placement, seed", [("chest", s) for s in (115, 153, 37, 94, 5, 101, 89,
                                                                      165, 38, 14, 168, 1120,
                                                                      1115, 34, 59, 92, 81, 23,
                                                                      187, 198, 151, 19, 180,
                                                                      108, 33, 1009, 53, 150, 184,
                                                                      41, 20, 51, 1083, 1158, 1136,
                                                                      2075, 1094, 4086, 4106,
                                                                      6069, 6097, 4006, 5198, 7162,
                                                                      4068, 1027, 7124, 7175,
                                                                      7180, 8183, 4012, 8165,
                                                                      4009, 7078, 9037, 2011,
                                                                      9076, 4146, 9111, 5048)]
                         + [("lumbar", 58), ("lumbar", 72), ("lumbar", 128), ("lumbar", 1165),
                            ("lumbar", 1191), ("lumbar", 77), ("lumbar", 30), ("lumbar", 8044), ("lumbar", 7121),
                            ("wrist", 49), ("wrist", 129), ("wrist", 3), ("wrist", 1128),
                            ("wrist", 70), ("wrist", 173), ("wrist", 138), ("wrist", 123),
                            ("wrist", 1011), ("wrist", 1), ("wrist", 191), ("wrist", 1059),
                            ("wrist", 2154), ("wrist", 1130), ("wrist", 4126), ("wrist", 2167),
                            ("wrist", 1092), ("wrist", 2092), ("wrist", 4136), ("wrist", 8024),
                            ("wrist", 8037)])
def test_count_matches_the_independent_truth(placement, seed):
    sess = altsim.simulate(seed, placements=(placement,))
    res = ip.analyze(sess.recordings[placement], height_m=sess.params["height_m"])
    truth = sess.truth["reps"]
    assert res.n_reps == len(truth), (sess.truth["kind"], sess.truth.get("protocol"))
    for found, true in zip(sorted(res.reps["t_bottom"]), truth):   # each rep found in its own window
        assert true["t_start"] <= found <= true["t_end"]


def test_the_first_posture_verdict_is_the_same_whatever_the_chunking():
    """Seed 43: a dip while kneeling down from standing (the sternum drops 21 cm as the trunk
    turns 7 degrees) waits as a first-posture rep. Its verdict used to be looked for only after
    the segmenter had run through a whole chunk: fed whole, the set's reps had been validated
    first (and called the first posture no plank); fed in small chunks, the turn into the plank
    settled it first. Now the verdict is looked for in stream order, before each candidate and
    at each chunk's end: whole or 1, 7 or 64 samples at a time, the same result. (That dip's trunk
    is back near its top at the lowest point; the verdict reads the way it turned farthest on the
    way down, a forward lean, which the turn into the plank continues: the dip is not counted.)"""
    sess = altsim.simulate(43, placements=("chest",))
    rec = sess.recordings["chest"]
    whole = ip.analyze(rec, height_m=sess.params["height_m"])
    for n in (1, 7, 64):
        assert ip.analyze(rec, height_m=sess.params["height_m"], chunk_size=n).to_json() == whole.to_json()
    truth = sess.truth["reps"]
    assert whole.n_reps == len(truth)
    for found, true in zip(sorted(whole.reps["t_bottom"]), truth):
        assert true["t_start"] <= found <= true["t_end"]


@pytest.mark.parametrize("placement, seed", [("lumbar", 1147), ("lumbar", 1033), ("lumbar", 190),
                                             ("wrist", 151), ("chest", 4071), ("chest", 7124),
                                             ("chest", 8165)])
def test_results_are_the_same_whatever_the_chunking(placement, seed):
    """Each rep's depth is measured from rest to rest on the lead's samples, whatever the
    chunking (and its posture read from them). 1147: a long packet gap. Fed whole, the samples after it replaced those before it
    before any rep was measured; now the lead holds each run of samples as it analyses it, and
    the reps before a gap are reported before the samples after it come in. 1033: knee push-ups
    waiting for the first posture's verdict, which came after the lead's 30 s of history: their
    depths are now measured as soon as the rest after them is held. 190: a rep reported on the
    very sample its rest after arrived, one sample before the lead held it. Wrist 151: a set's
    first rep, reported 37 s later once the set's series was recognised, after the lead's 30 s
    of history; the segmenter now hands over the rep's posture with it. Chest 4071: a shallow rep
    the height times, decided only after the turn's candidate over it closed; fed whole, the
    segmenter had forgotten the samples back to the band's top before it was decided (it keeps
    them now while the valley waits), and measured it from a later rest. Chest 7124: the
    first-posture verdict was marked where the scan that found it began (a chunk's start, or the
    waiting rep's report when fed whole), so the reps reported before the ones it settled
    depended on the chunking; it is now marked at the sample that gave it, and the reps due by
    then are reported first. Chest 8165: waiting series reps accepted when a later rep proves
    their set."""
    sess = altsim.simulate(seed, placements=(placement,))
    rec = sess.recordings[placement]
    whole = ip.analyze(rec, height_m=sess.params["height_m"]).to_json()
    for n in (1, 7, 64):
        assert ip.analyze(rec, height_m=sess.params["height_m"], chunk_size=n).to_json() == whole


def test_a_top_in_the_first_posture_is_no_plank_once_the_verdict_said_so():
    """Seed 8172: recorded standing; a dip while kneeling down before the first set showed toe
    kinematics and was reported (a known miss), so standing was among the reported reps' tops.
    After the set had shown that standing was no plank, a dip while standing between sets read
    as "near a rep's top", hence in the plank (the rule for knee planks whose tops straddle
    35 degrees from the first posture): a rep. A top within 10 degrees of the first posture is
    back in it. Every rep from the first set on is inside a set."""
    sess = altsim.simulate(8172, placements=("chest",))
    res = ip.analyze(sess.recordings["chest"], height_m=sess.params["height_m"])
    sets = sess.truth["sets"]
    after = res.reps[res.reps["t_bottom"] >= sets[0]["t_start"]]
    assert len(after) == len(sess.truth["reps"])
    for tb in after["t_bottom"]:
        assert any(st["t_start"] <= tb <= st["t_end"] for st in sets), tb


def test_reps_decided_out_of_order_are_reported_in_time_order_whatever_the_chunking():
    """Seed 7: the first rep's height is decided after the second rep (its top was the
    recording's start); fed whole or a sample at a time, the reps come in time order, the same."""
    rec = altsim.simulate(7, placements=("chest",)).recordings["chest"]
    whole, single = ip.analyze(rec), ip.analyze(rec, chunk_size=1)
    starts = whole.reps["t_start"].to_numpy(dtype=float)
    assert len(starts) >= 2 and (starts[1:] > starts[:-1]).all()
    assert whole.to_json() == single.to_json()


def test_first_posture_movements_left_uncounted_are_named_in_a_warning():
    """Seed 188: deep knee push-ups recorded entirely from a knee plank (the stream ends in it).
    Nothing in the first posture tells them from squats, so they are not counted, and the
    result says so (with what to do) rather than silently reporting zero."""
    sess = altsim.simulate(188, placements=("chest",))
    res = ip.analyze(sess.recordings["chest"], height_m=sess.params["height_m"])
    assert res.n_reps == 0
    said = [w for w in res.warnings if "first posture" in w]
    assert said and said[0].startswith(f"{len(sess.truth['reps'])} rep-like movement")
    assert "standing" in said[0] and "calibration" in said[0]


@pytest.mark.parametrize("placement, seed", [("chest", 1), ("chest", 1157), ("lumbar", 1),
                                             ("lumbar", 1033)])
def test_knee_push_ups_from_a_knee_plank_count_once_the_person_goes_onto_all_fours(placement, seed):
    """Deep knee push-ups recorded from a knee plank, which the person leaves onto all fours: the
    trunk turns the reps' way down by 25-30 degrees while the arms hold the shoulders up, so the
    sternum does not go down (a lean about the hips, standing, would lower it) and the hips go up
    by 10-15 cm (bending over turns the pelvis about the hip joints): push-ups."""
    sess = altsim.simulate(seed, placements=(placement,))
    res = ip.analyze(sess.recordings[placement], height_m=sess.params["height_m"])
    truth = sess.truth["reps"]
    assert res.n_reps == len(truth)
    for found, true in zip(sorted(res.reps["t_bottom"]), truth):
        assert true["t_start"] <= found <= true["t_end"]


@pytest.mark.parametrize("seed, placements", [(1018, ("chest",)), (1050, ("chest",)),
                                              (1025, ("chest", "lumbar")), (1049, ("chest", "lumbar"))])
def test_knee_push_ups_whose_hips_sink_through_the_descent_are_knee_push_ups(seed, placements):
    """Knee push-ups whose hip angle grows by 3-8 degrees over each descent: the trunk turns less
    than a rigid body on the knees would, so the chest reads a skin rock below zero for the true
    pivot. Within what that hip motion explains it is no evidence against the knees."""
    sess = altsim.simulate(seed, placements=("chest", "lumbar"))
    assert {st["variant"] for st in sess.truth["sets"]} == {"knee"}
    res = ip.analyze([sess.recordings[p] for p in placements], height_m=sess.params["height_m"])
    assert res.variant == "knee"


def test_reps_timed_on_the_rotation_get_their_depth_from_rest_to_rest():
    """Seed 1065: ten reps whose candidate height fell back on the rotation times the set's lever
    (their upper trunk turns less for the same drop than the set's first reps did). Their depth
    comes from the vertical acceleration between the rests before and after, as for any other rep:
    the lever alone read them about 10 cm short."""
    sess = altsim.simulate(1065, placements=("chest",))
    res = ip.analyze(sess.recordings["chest"], height_m=sess.params["height_m"])
    truth = sess.truth["reps"]
    assert res.n_reps == len(truth)
    by_rotation = res.reps["height_source"] == "rotation"
    assert by_rotation.sum() >= 5
    errs = [abs(float(f["depth_m"]) - t["depth_m"])
            for (_, f), t, rot in zip(res.reps.iterrows(), truth, by_rotation) if rot]
    assert float(np.median(errs)) < 0.04


def test_a_rep_the_turn_timed_on_its_way_down_only_ends_where_the_sternum_is_back_up():
    """Seed 6: in the last reps the hips sink as the chest goes down and the stomach dips, so the
    upper trunk turns back while the sternum stays at the bottom for a 1.8 s pause. The turn's
    valley is only the way down; the rep ends where the height (from the rest at the top and the
    rest at the bottom on) is back up, and its bottom, ascent, end and depth are measured from
    rest to rest. Before, those reps ended at the bottom, 5 cm deep instead of 31-32."""
    sess = altsim.simulate(6, placements=("chest",))
    res = ip.analyze(sess.recordings["chest"], height_m=sess.params["height_m"])
    truth = sess.truth["reps"]
    assert res.n_reps == len(truth)
    for (_, f), t in list(zip(res.reps.iterrows(), truth))[-2:]:
        for name in ("t_bottom", "t_ascent", "t_end"):
            assert abs(float(f[name]) - t[name]) < 0.15, name
        assert abs(float(f["depth_m"]) - t["depth_m"]) < 0.03


def test_each_set_is_toe_or_knee_on_its_own():
    """Seed 114: two sets on the knees, then one on the toes, with a chest and a lumbar sensor.
    Each set's pivot is decided from its own reps, so the toe set's sagging hips read as a sag
    (not, on the knees' geometry, as a 26 degree pike); the session's variant is the one most
    reps were done in; fed in chunks, the same."""
    sess = altsim.simulate(114, placements=("chest", "lumbar"))
    recs = [sess.recordings["chest"], sess.recordings["lumbar"]]
    res = ip.analyze(recs, height_m=sess.params["height_m"])
    truth = sess.truth["reps"]
    pairs = [(row, t) for _, row in res.reps.iterrows() for t in truth
             if t["t_start"] <= row["t_bottom"] <= t["t_end"]]
    assert len(pairs) >= len(truth) - 2
    assert all(row["variant"] == t["variant"] for row, t in pairs)
    toe = [(float(row["sag_deg"]), t["sag_deg"]) for row, t in pairs if t["variant"] == "toe"]
    assert len(toe) >= 5 and all(t >= 10 for _, t in toe) and all(f >= 5 for f, _ in toe)
    assert res.variant == "knee"
    assert ip.analyze(recs, height_m=sess.params["height_m"], chunk_size=13).to_json() == res.to_json()


def test_mountings_are_learned_again_when_the_first_rep_was_not_in_the_plank():
    """Seed 1139: a dip while still standing is counted as a toe-like rep of the first posture
    before the person gets down. The mountings and the plank reference learned at it would read
    every later rep 120 degrees off; a rep whose top is 35 degrees or more from that one's
    learns them again."""
    sess = altsim.simulate(1139, placements=("chest",))
    res = ip.analyze(sess.recordings["chest"], height_m=sess.params["height_m"])
    truth = sess.truth["reps"]
    in_plank = res.reps[res.reps["t_bottom"] >= truth[0]["t_start"]]
    assert len(in_plank) == len(truth)
    for found, true in zip(in_plank["sag_deg"], truth):
        assert abs(float(found) - true["sag_deg"]) < 20.0


def test_a_held_pike_is_read_against_standing_even_when_the_reps_barely_turn_the_trunk():
    """Seed 189: recorded from standing, toe push-ups 9 cm deep with the hips held 21 degrees
    high; the reps turn the upper trunk 2-6 degrees, too little to tell the body's sagittal
    plane. Standing gave the trunk's long axis, so the plank's inclination is absolute and every
    rep is a pike (before, the reference fell back to the first plank: pikes of 0-9 degrees)."""
    sess = altsim.simulate(189, placements=("chest",))
    res = ip.analyze(sess.recordings["chest"], height_m=sess.params["height_m"])
    assert res.n_reps >= len(sess.truth["reps"]) - 1    # (a late one, 6-7 cm deep, may be missed)
    assert all("pike" in f for f in res.reps["flags"])
    true = float(np.median([r["sag_deg"] for r in sess.truth["reps"]]))   # held: -21 throughout
    assert abs(float(np.median(res.reps["sag_deg"].to_numpy(dtype=float))) - true) < 6.0


def test_the_turn_from_standing_into_the_plank_gives_the_body_plane_for_a_held_pike():
    """Seed 43: recorded from standing, toe push-ups 10 cm deep with the hips held 16 degrees
    high. The first rep turned the trunk 2.4 degrees, mostly rolling: the long axis projected onto
    that plane read the plank 15 degrees too steep, and every rep a sag of 4-11 degrees. The turn
    from standing into the plank gives the plane: each rep of the set is the pike it is."""
    sess = altsim.simulate(43, placements=("chest",))
    res = ip.analyze(sess.recordings["chest"], height_m=sess.params["height_m"])
    truth = sess.truth["reps"]
    in_set = res.reps[res.reps["t_top"] >= sess.truth["sets"][0]["t_start"]]
    assert len(in_set) >= len(truth) - 1
    for _, rep in in_set.iterrows():
        true = next(r for r in truth if r["t_start"] - 0.3 <= rep["t_bottom"] <= r["t_end"] + 0.3)
        assert abs(float(rep["sag_deg"]) - true["sag_deg"]) < 5.0
        assert "pike" in rep["flags"]


def test_a_knee_set_after_a_toe_set_stands_in_its_own_lever_for_a_failed_height():
    """Seed 1068: a toe set, then a knee set whose touch-and-go reps (0.3 s ascents) the integrated
    height cannot follow. The rotation times the set's lever stands in: the knee set's own (about
    1 m per radian), not the toe set's (about 2), which made 0.37 m reps read 0.8 m and three of
    them too deep to be reps."""
    sess = altsim.simulate(1068, placements=("chest",))
    res = ip.analyze(sess.recordings["chest"], height_m=sess.params["height_m"])
    knee = sess.truth["sets"][1]
    assert knee["variant"] == "knee"
    bottoms = res.reps["t_bottom"].to_numpy(dtype=float)
    assert int(((bottoms >= knee["t_start"]) & (bottoms <= knee["t_end"])).sum()) == knee["n_reps"]
