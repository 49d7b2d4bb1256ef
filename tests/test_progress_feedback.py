"""After submission: the progress workflow (办理进度, 留痕) and the citizen's feedback (好差评, 办不成事反映)."""
from __future__ import annotations

import dataclasses
import json
from datetime import UTC, date, datetime, timedelta, timezone
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flows.feedback import (
    BAD_REASONS,
    COMMENT_MAX,
    COMPLAINT_CATEGORIES,
    DESCRIPTION_MAX,
    DESCRIPTION_MIN,
    GOOD_REASONS,
    Complaint,
    FeedbackError,
    Rating,
    RatingRecord,
    make_complaint,
    make_rating,
    normalise_mobile,
    reasons_for,
)
from flows.progress import (
    STAGE_LABELS,
    Outcome,
    Progress,
    ProgressError,
    ProgressEvent,
    Stage,
    TransitionError,
    explain,
)

T0 = datetime(2024, 5, 6, 9, 0)
A, R, N, D, RR, M, C = (Stage.ACCEPTED, Stage.UNDER_REVIEW, Stage.NEEDS_CORRECTION, Stage.DECIDED,
                        Stage.RESULT_READY, Stage.MAILED, Stage.COLLECTED)

# The workflow as the brief states it, written out independently of flows.progress.TRANSITIONS.
EXPECTED = {
    A: {R}, R: {N, D}, N: {R}, D: {RR}, RR: {M, C}, M: {C}, C: set(),
}
# A shortest way to reach each stage from acceptance.
PATHS = {A: [], R: [R], N: [R, N], D: [R, D], RR: [R, D, RR], M: [R, D, RR, M], C: [R, D, RR, C]}


def reach(stage: Stage, outcome: Outcome = Outcome.APPROVED, number: str = "3301022024050600001") -> Progress:
    progress = Progress.start(number, T0, actor="kiosk-07")
    for i, step in enumerate(PATHS[stage], start=1):
        progress = progress.advance(step, T0 + timedelta(hours=i),
                                    outcome=outcome if step is D else None)
    return progress


# -- progress: the transition table ---------------------------------------------------------------

@pytest.mark.parametrize("outcome", list(Outcome))
@pytest.mark.parametrize("target", list(Stage))
@pytest.mark.parametrize("source", list(Stage))
def test_every_allowed_transition_succeeds_and_every_other_is_refused(source, target, outcome):
    progress = reach(source, outcome)
    at = T0 + timedelta(days=10)
    step_outcome = outcome if target is D else None
    if target in EXPECTED[source]:
        moved = progress.advance(target, at, note="ok", actor="dept-12", outcome=step_outcome)
        assert moved.stage is target
        assert moved.history[:-1] == progress.history
        assert moved.history[-1] == ProgressEvent(target, at, "ok", "dept-12", step_outcome)
    else:
        with pytest.raises(TransitionError) as info:
            progress.advance(target, at, outcome=step_outcome)
        assert info.value.code == "transition_not_allowed"
        assert (info.value.from_stage, info.value.to_stage) == (source, target)
        assert source.zh in info.value.zh and target.zh in info.value.zh
        assert source.en in info.value.en and target.en in info.value.en


def test_a_rejection_still_hands_over_its_written_notice():
    rejected = reach(D, Outcome.REJECTED)
    assert rejected.is_decided and not rejected.is_final
    notice = rejected.advance(RR, T0 + timedelta(days=1)).advance(M, T0 + timedelta(days=2))
    assert notice.outcome is Outcome.REJECTED
    zh, en = explain(RR, Outcome.REJECTED)
    assert "决定书" in zh and "decision" in en
    assert "行政复议" in explain(D, Outcome.REJECTED)[0]


def test_only_collected_is_final():
    for stage in Stage:
        assert reach(stage).is_final is (stage is C)
        assert reach(stage).allowed_next == frozenset(EXPECTED[stage])


def test_a_decision_needs_an_outcome_and_only_a_decision_has_one():
    under_review = reach(R)
    with pytest.raises(TransitionError) as info:
        under_review.advance(D, T0 + timedelta(days=1))
    assert info.value.code == "outcome_required"
    with pytest.raises(TransitionError) as info:
        under_review.advance(N, T0 + timedelta(days=1), outcome="approved")
    assert info.value.code == "outcome_unexpected"
    with pytest.raises(TransitionError) as info:
        under_review.advance(D, T0 + timedelta(days=1), outcome="maybe")
    assert info.value.code == "unknown_value"
    with pytest.raises(TransitionError):
        under_review.advance("lost", T0 + timedelta(days=1))


def test_strings_are_accepted_for_stage_and_outcome():
    decided = reach(R).advance("decided", T0 + timedelta(days=1), outcome="approved")
    assert decided.stage is D and decided.outcome is Outcome.APPROVED
    assert decided.history[-1].outcome is Outcome.APPROVED


def test_advance_leaves_the_original_untouched_and_records_are_frozen():
    accepted = reach(A)
    reviewed = accepted.advance(R, T0 + timedelta(minutes=5), note="转审批科室", actor="dept-12")
    assert accepted.stage is A and len(accepted.history) == 1
    assert reviewed.stage is R and len(reviewed.history) == 2
    with pytest.raises(dataclasses.FrozenInstanceError):
        reviewed.stage = C  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        reviewed.history[0].note = "changed"  # type: ignore[misc]


def test_time_never_runs_backwards_but_may_stand_still():
    accepted = reach(A)
    with pytest.raises(TransitionError) as info:
        accepted.advance(R, T0 - timedelta(seconds=1))
    assert info.value.code == "time_reversed"
    immediate = accepted.advance(R, T0).advance(D, T0, outcome="approved")   # 即办
    assert [e.at for e in immediate.history] == [T0, T0, T0]


def test_naive_and_aware_times_do_not_mix():
    with pytest.raises(TransitionError) as info:
        reach(A).advance(R, T0.replace(tzinfo=UTC) + timedelta(days=1))
    assert info.value.code == "timezone_mismatch"


def test_a_history_must_start_at_acceptance_and_end_at_the_current_stage():
    with pytest.raises(TransitionError) as info:
        Progress("X1", R, None, (ProgressEvent(R, T0),))
    assert info.value.code == "must_start_accepted"
    with pytest.raises(ProgressError) as info:
        Progress("X1", R, None, (ProgressEvent(A, T0),))
    assert info.value.code == "stage_mismatch"
    with pytest.raises(ProgressError) as info:
        Progress("X1", A, None, ())
    assert info.value.code == "empty_history"
    with pytest.raises(ProgressError) as info:
        Progress.start("  ", T0)
    assert info.value.code == "application_number_required"
    with pytest.raises(ProgressError) as info:
        Progress("X1", A, Outcome.APPROVED, (ProgressEvent(A, T0),))
    assert info.value.code == "outcome_mismatch"


# -- progress: random walks and JSON --------------------------------------------------------------

OFFSETS = st.sampled_from([None, UTC, timezone(timedelta(hours=8))])


@st.composite
def walks(draw) -> Progress:
    tz = draw(OFFSETS)
    at = draw(st.datetimes(min_value=datetime(2015, 1, 1), max_value=datetime(2030, 1, 1)))
    at = at.replace(tzinfo=tz)
    progress = Progress.start(draw(st.text("0123456789ABC-", min_size=1, max_size=24)), at,
                              note=draw(st.text(max_size=20)), actor=draw(st.text(max_size=10)))
    for _ in range(draw(st.integers(0, 12))):
        if progress.is_final:
            break
        stage = draw(st.sampled_from(sorted(progress.allowed_next)))
        at = at + draw(st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=20)))
        outcome = draw(st.sampled_from(list(Outcome))) if stage is D else None
        progress = progress.advance(stage, at, note=draw(st.text(max_size=20)), actor="dept", outcome=outcome)
    return progress


@given(walks())
def test_a_random_walk_keeps_a_consistent_history(progress):
    history = progress.history
    assert history[0].stage is A and history[-1].stage is progress.stage
    for previous, event in pairwise(history):
        assert event.stage in EXPECTED[previous.stage]
        assert event.at >= previous.at
    decisions = [e for e in history if e.stage is D]
    assert len(decisions) <= 1
    assert progress.outcome == (decisions[0].outcome if decisions else None)
    assert progress.is_decided is bool(decisions)
    assert progress.correction_rounds == sum(e.stage is N for e in history)
    assert len(progress.correction_periods()) == progress.correction_rounds
    timeline = progress.timeline()
    assert [e.stage for e in timeline] == [e.stage for e in history]
    assert [e.current for e in timeline] == [False] * (len(history) - 1) + [True]


@given(walks(), st.timedeltas(min_value=timedelta(microseconds=1), max_value=timedelta(days=400)))
def test_stepping_back_in_time_is_refused_whatever_the_step(progress, back):
    for stage in progress.allowed_next:
        with pytest.raises(TransitionError) as info:
            progress.advance(stage, progress.history[-1].at - back, outcome="approved" if stage is D else None)
        assert info.value.code == "time_reversed"


@given(walks())
def test_to_dict_from_dict_round_trips_through_json(progress):
    data = json.loads(json.dumps(progress.to_dict(), ensure_ascii=False))
    again = Progress.from_dict(data)
    assert again == progress
    assert [e.at.utcoffset() for e in again.history] == [e.at.utcoffset() for e in progress.history]
    assert again.to_dict() == progress.to_dict()


def test_from_dict_refuses_a_tampered_or_broken_record():
    data = reach(RR).to_dict()
    swapped = dict(data, history=[data["history"][0], data["history"][2], data["history"][1], data["history"][3]])
    with pytest.raises(TransitionError):
        Progress.from_dict(swapped)
    with pytest.raises(ProgressError) as info:
        Progress.from_dict(dict(data, outcome="rejected"))
    assert info.value.code == "outcome_mismatch"
    broken = {k: v for k, v in data.items() if k != "history"}
    with pytest.raises(ProgressError) as info:
        Progress.from_dict(broken)
    assert info.value.code == "bad_record"
    bad_time = dict(data, history=[dict(data["history"][0], at="yesterday")] + data["history"][1:])
    with pytest.raises(ProgressError) as info:
        Progress.from_dict(bad_time)
    assert info.value.code == "bad_record"


# -- progress: display and time limits ------------------------------------------------------------

def test_every_stage_is_labelled_and_explained_in_both_languages():
    assert set(STAGE_LABELS) == set(Stage)
    for stage, label in STAGE_LABELS.items():
        assert label.zh and label.en and label.explain_zh and label.explain_en
        assert stage.zh == label.zh and stage.en == label.en
    assert Stage.NEEDS_CORRECTION.zh == "需补正"
    assert "补正" in explain(N)[0] and "补齐" in explain(N)[0]
    assert [s.value for s in Stage] == ["accepted", "under_review", "needs_correction", "decided",
                                        "result_ready", "mailed", "collected"]


def test_the_timeline_reads_as_the_citizen_sees_it():
    progress = reach(R).advance(D, T0 + timedelta(days=1, hours=2), note="准予", outcome="approved")
    timeline = progress.timeline()
    assert [e.label_zh for e in timeline] == ["已受理", "审查中", "已办结（准予办理）"]
    assert timeline[-1].label_en == "Decided (approved)"
    assert timeline[-1].when == "2024-05-07 11:00"
    assert timeline[-1].note == "准予" and timeline[-1].current
    assert timeline[0].actor == "kiosk-07"


def test_correction_periods_measure_the_wait_for_the_citizen():
    waiting = reach(N)
    assert waiting.correction_periods() == ((T0 + timedelta(hours=2), None),)
    corrected = waiting.advance(R, T0 + timedelta(days=3))
    assert corrected.correction_periods() == ((T0 + timedelta(hours=2), T0 + timedelta(days=3)),)
    assert corrected.correction_rounds == 1


def test_overdue_means_not_decided_by_the_promised_date():
    promised = date(2024, 5, 10)
    pending = reach(N)
    assert not pending.overdue(promised, today=date(2024, 5, 9))
    assert not pending.overdue(promised, today=promised)
    assert pending.overdue(promised, today=date(2024, 5, 11))
    on_time = reach(R).advance(D, datetime(2024, 5, 10, 17, 30), outcome="approved")
    assert not on_time.overdue(promised, today=date(2024, 6, 1))           # stays on time once decided
    late = reach(R).advance(D, datetime(2024, 5, 11, 9, 0), outcome="rejected")
    assert late.overdue(promised, today=date(2024, 5, 11))
    assert late.advance(RR, datetime(2024, 5, 12)).overdue(promised, today=date(2024, 5, 12))


# -- 好差评 ----------------------------------------------------------------------------------------

AT = datetime(2024, 5, 20, 15, 30)


def test_five_levels_with_their_standard_names():
    assert [(int(r), r.zh) for r in sorted(Rating, reverse=True)] == [
        (5, "非常满意"), (4, "满意"), (3, "基本满意"), (2, "不满意"), (1, "非常不满意")]
    assert Rating(1).en == "Very dissatisfied" and Rating(5).en == "Very satisfied"
    assert [r.is_bad for r in sorted(Rating)] == [True, True, False, False, False]


@pytest.mark.parametrize("level", [1, 2])
def test_a_bad_rating_needs_a_reason(level):
    with pytest.raises(FeedbackError) as info:
        make_rating("A1", level, at=AT)
    assert info.value.code == "reason_required" and info.value.field == "reasons"
    assert Rating(level).zh in info.value.zh and Rating(level).en in info.value.en
    record = make_rating("A1", level, ["超时办理"], at=AT)
    assert record.reasons == ("overdue",) and record.needs_follow_up and record.is_bad


@pytest.mark.parametrize("level", [3, 4, 5])
def test_a_fair_or_good_rating_needs_no_reason(level):
    record = make_rating("A1", level, at=AT)
    assert record.level == level and record.reasons == () and not record.needs_follow_up


def test_reason_lists_fit_the_level():
    assert reasons_for(1) == reasons_for(2) == BAD_REASONS
    assert reasons_for(4) == reasons_for(5) == GOOD_REASONS
    bad_labels = {r.zh for r in BAD_REASONS}
    assert {"办事指南不清晰", "材料要求反复", "超时办理", "服务态度差", "设备故障"} <= bad_labels
    assert {r.code for r in reasons_for(3)} == {r.code for r in BAD_REASONS + GOOD_REASONS}
    for reason in BAD_REASONS + GOOD_REASONS:
        assert reason.code.isascii() and reason.zh and reason.en
    assert len({r.code for r in BAD_REASONS}) == len(BAD_REASONS)
    assert len({r.code for r in GOOD_REASONS}) == len(GOOD_REASONS)


def test_a_reason_must_fit_the_level_and_exist():
    with pytest.raises(FeedbackError) as info:
        make_rating("A1", 5, ["服务态度差"], at=AT)
    assert info.value.code == "reason_mismatch"
    with pytest.raises(FeedbackError) as info:
        make_rating("A1", 1, ["fast"], at=AT)
    assert info.value.code == "reason_mismatch"
    with pytest.raises(FeedbackError) as info:
        make_rating("A1", 1, ["不知道"], at=AT)
    assert info.value.code == "unknown_reason"
    assert make_rating("A1", 3, ["fast", "long_wait"], at=AT).reasons == ("fast", "long_wait")


def test_reasons_as_a_single_string_or_labels_or_repeated_normalise_to_codes():
    assert make_rating("A1", 1, "device_fault", at=AT).reasons == ("device_fault",)
    assert make_rating("A1", 2, ["设备故障", "device_fault", " 超时办理 "], at=AT).reasons == (
        "device_fault", "overdue")


def test_other_needs_a_comment():
    with pytest.raises(FeedbackError) as info:
        make_rating("A1", 1, ["other"], at=AT)
    assert info.value.code == "comment_required" and info.value.field == "comment"
    record = make_rating("A1", 1, ["其他"], "  停车位太少  ", at=AT)
    assert record.comment == "停车位太少"
    assert record.reason_labels() == ("其他",) and record.reason_labels("en") == ("Other",)


@given(st.sampled_from(list(Rating)), st.data())
def test_any_choice_from_the_offered_list_is_accepted(level, data):
    offered = [r for r in reasons_for(level) if r.code != "other"]
    chosen = data.draw(st.lists(st.sampled_from(offered), min_size=1 if level.is_bad else 0, max_size=6))
    record = make_rating("A1", level, [r.code for r in chosen], at=AT)
    assert record.reasons == tuple(dict.fromkeys(r.code for r in chosen))
    assert record.needs_follow_up is (level <= 2)


def test_comment_is_stripped_and_limited():
    assert make_rating("A1", 5, comment="  很好 \n", at=AT).comment == "很好"
    assert len(make_rating("A1", 5, comment="好" * COMMENT_MAX, at=AT).comment) == COMMENT_MAX
    with pytest.raises(FeedbackError) as info:
        make_rating("A1", 5, comment="好" * (COMMENT_MAX + 1), at=AT)
    assert info.value.code == "comment_too_long" and str(COMMENT_MAX) in info.value.zh


def test_rating_inputs_are_checked():
    for level in (0, 6, True, 4.0, "5"):
        with pytest.raises(FeedbackError) as info:
            make_rating("A1", level, at=AT)  # type: ignore[arg-type]
        assert info.value.code == "invalid_level"
    with pytest.raises(FeedbackError) as info:
        make_rating(" ", 5, at=AT)
    assert info.value.code == "application_number_required"
    with pytest.raises(FeedbackError) as info:
        make_rating("A1", 5, at=AT, channel="fax")
    assert info.value.code == "unknown_channel"
    with pytest.raises(FeedbackError) as info:
        make_rating("A1", 5, at="today")  # type: ignore[arg-type]
    assert info.value.code == "bad_time"


def test_only_an_accepted_application_can_be_rated():
    assert make_rating("A1", 4, at=AT).stage is None
    assert make_rating("A1", 4, at=AT, stage=Stage.UNDER_REVIEW).stage is Stage.UNDER_REVIEW
    assert make_rating("A1", 4, at=AT, stage="collected").stage is Stage.COLLECTED
    for stage in ("draft", "not_found", ""):
        with pytest.raises(FeedbackError) as info:
            make_rating("A1", 4, at=AT, stage=stage)
        assert info.value.code == "not_accepted"


def test_a_rating_round_trips_through_json():
    record = make_rating("A1", 2, ["guide_unclear", "other"], "指南里没写要带户口本", at=AT,
                         channel="kiosk", stage="decided")
    data = json.loads(json.dumps(record.to_dict(), ensure_ascii=False))
    assert data["needs_follow_up"] is True and data["level"] == 2
    assert RatingRecord.from_dict(data) == record
    assert "指南里" not in repr(record)


# -- 办不成事反映 -----------------------------------------------------------------------------------

def test_a_complaint_by_code_or_label():
    by_code = make_complaint("repeated_visits", "为了一个证明跑了三趟", at=AT)
    by_label = make_complaint("多次跑腿", "为了一个证明跑了三趟", at=AT)
    assert by_code == by_label and by_code.category == "repeated_visits"
    assert by_code.category_zh == "多次跑腿" and by_code.category_en
    assert by_code.anonymous and by_code.contact_mobile is None
    assert {"办事难", "办不成", "材料繁琐", "多次跑腿", "设备故障", "其他"} <= {
        zh for zh, _ in COMPLAINT_CATEGORIES.values()}
    with pytest.raises(FeedbackError) as info:
        make_complaint("投诉", "为了一个证明跑了三趟", at=AT)
    assert info.value.code == "unknown_category" and info.value.field == "category"


def test_the_description_is_required_and_bounded():
    for text in ("", "   ", "太慢了", " 一二三四 "):
        with pytest.raises(FeedbackError) as info:
            make_complaint("other", text, at=AT)
        assert info.value.code == "description_too_short" and str(DESCRIPTION_MIN) in info.value.zh
    assert make_complaint("other", "  一二三四五  ", at=AT).description == "一二三四五"
    assert make_complaint("other", "字" * DESCRIPTION_MAX, at=AT)
    with pytest.raises(FeedbackError) as info:
        make_complaint("other", "字" * (DESCRIPTION_MAX + 1), at=AT)
    assert info.value.code == "description_too_long"
    assert str(DESCRIPTION_MAX) in info.value.zh and str(DESCRIPTION_MAX) in info.value.en


@pytest.mark.parametrize("typed", ["13800138000", " 138 0013 8000 ", "138-0013-8000", "+86 138 0013 8000",
                                   "008613800138000", "8613800138000", "１３８００１３８０００"])
def test_a_mobile_is_normalised(typed):
    assert normalise_mobile(typed) == "13800138000"
    assert make_complaint("cannot_be_done", "系统提示无法办理", typed, at=AT).contact_mobile == "13800138000"


@pytest.mark.parametrize("typed", ["12800138000", "1380013800", "138001380001", "0398-1234567", "abc", "110"])
def test_a_wrong_mobile_is_refused_with_a_message(typed):
    with pytest.raises(FeedbackError) as info:
        make_complaint("cannot_be_done", "系统提示无法办理", typed, at=AT)
    assert info.value.code == "invalid_mobile" and info.value.field == "contact_mobile"
    assert "11位" in info.value.zh and "11-digit" in info.value.en


@given(st.sampled_from("3456789"), st.text("0123456789", min_size=9, max_size=9))
def test_every_mainland_mobile_is_accepted(second, rest):
    assert normalise_mobile("1" + second + rest) == "1" + second + rest


@given(st.text("0123456789", min_size=1, max_size=16).filter(lambda s: len(s) != 11))
def test_no_other_length_passes(digits):
    with pytest.raises(FeedbackError):
        normalise_mobile(digits)


def test_blank_contact_means_anonymous():
    for blank in (None, "", "   "):
        assert make_complaint("other", "自助机打印没有纸了", blank, at=AT).anonymous


def test_a_complaint_serialises_with_english_keys_and_hides_personal_text_from_repr():
    complaint = make_complaint("device_fault", "自助机读不了身份证", "13900001111", " 3301022024050600001 ",
                               " 11330100MB0000000X ", at=AT)
    data = complaint.to_dict()
    assert set(data) == {"category", "description", "contact_mobile", "application_number", "service_code",
                         "at", "anonymous"}
    assert data["application_number"] == "3301022024050600001" and data["anonymous"] is False
    assert data["at"] == "2024-05-20T15:30:00"
    assert Complaint.from_dict(json.loads(json.dumps(data, ensure_ascii=False))) == complaint
    assert "13900001111" not in repr(complaint) and "身份证" not in repr(complaint)
    with pytest.raises(FeedbackError) as info:
        Complaint.from_dict({"category": "other"})
    assert info.value.code == "bad_record"
