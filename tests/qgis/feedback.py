"""Feedback for in-process algorithm runs whose tests read what the algorithm reported."""


class RecordingFeedback:
    """A QgsProcessingFeedback that keeps the warnings and infos it was given."""

    def __new__(cls):
        from qgis.core import QgsProcessingFeedback

        class _Feedback(QgsProcessingFeedback):
            def __init__(self):
                super().__init__()
                self.warnings, self.infos = [], []

            def pushWarning(self, text):  # noqa: N802
                self.warnings.append(text)
                super().pushWarning(text)

            def pushInfo(self, text):  # noqa: N802
                self.infos.append(text)
                super().pushInfo(text)

        return _Feedback()
