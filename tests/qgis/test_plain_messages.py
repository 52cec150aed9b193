"""The run's messages go through :func:`core.reports.cells.plain` while it runs (sweep 17a), in a run inside a
run as well, and the feedback is as it was afterwards."""


def test_messages_are_escaped_during_the_run_and_the_feedback_restored(qgis_app):
    from qgis.core import QgsProcessingFeedback

    from geochem_prospector.algorithms.base import plain_messages

    feedback = QgsProcessingFeedback()
    with plain_messages(feedback):
        with plain_messages(feedback):  # a run inside a run on the same feedback
            feedback.pushInfo("inner Cu\u202eppm")
        feedback.pushWarning("outer Cu\u202eppm")
    feedback.pushInfo("after Cu\u202eppm")
    assert feedback.textLog().splitlines() == ["inner Cu\\u202eppm", "outer Cu\\u202eppm", "after Cu\u202eppm"]
    assert not vars(feedback)  # no wrapper left on the feedback
