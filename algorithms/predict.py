"""prospector:predict: dense, tiled prospectivity prediction with a trained CNN model file."""

from __future__ import annotations

from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import Any, Iterator, Optional, Tuple, Union

import numpy as np
from qgis.core import (
    QgsProcessingException,
    QgsProcessingParameterFile,
    QgsProcessingParameterNumber,
    QgsProcessingParameterRasterDestination,
    QgsProcessingParameterString,
)

from ..core.errors import InputError
from ..core.grid import GridSpec, check_memory
from ..core.io.inputs import no_gdal_sidecars
from ..core.io.outputs import atomic_output
from ..core.io.rasters import raster_warnings, read_stack, require_north_up
from ..core.io.windows import (
    StackWindowReader,
    array_window_reader,
    band_table,
    blank_outside,
    model_band_order,
    open_geotiff_writer,
    unused_bands_warning,
    write_window,
)
from ..core.learning.area_limits import (
    AreaLimits,
    class_share_note,
    class_shares,
    probability_classes,
    separated_limits,
)
from ..core.learning.heap import kept_heap
from ..core.parameter_text import probability_limits
from . import parameters as params
from .base import ProspectorAlgorithm
from .crs_checks import require_projected
from .geometries import mask_geometries, mask_on_grid
from .inputs import layer_paths
from .scheduling import HELP as SCHEDULER_HELP
from .scheduling import scheduler_parameter, task_runner
from .traincnn import import_cnn

NODATA = -9999.0
CLASS_NODATA = 255


@dataclass(frozen=True)
class LoadedModel:
    """The MODEL as read: its path (Dask workers read the file themselves), the learner, and whether it is a classic
    one (no PyTorch, no uncertainty of its own)."""

    path: str
    model: Any
    classic: bool


@dataclass(frozen=True)
class RunSettings:
    """What the parameters ask for, read and checked before any raster is read."""

    layers: list
    device: str
    thresholds: Optional[Tuple[float, float]]  # CLASS_THRESHOLDS, None for the limits by area
    asked_tile: int  # TILE_SIZE, 0 to choose it


@dataclass(frozen=True)
class PredictOutputs:
    """The destinations written (None where not), and the MC-dropout samples the uncertainty takes (0 without it)."""

    probability: str
    uncertainty: Optional[str]
    classes: Optional[str]
    rank: Optional[str]
    mc_samples: int


@dataclass(frozen=True)
class TileTargets:
    """Where each predicted tile goes: the grid and mask it is cut from, the temporaries written with their
    provenance, the running limits by area, and the scores kept for the rank (None without OUTPUT_RANK)."""

    grid: Any
    mask: Optional[np.ndarray]
    temporaries: PredictOutputs
    provenance: dict
    area: AreaLimits
    scores: Optional[np.ndarray]


class PredictAlgorithm(ProspectorAlgorithm):
    INPUT_RASTERS = "INPUT_RASTERS"
    MODEL = "MODEL"
    DEVICE = "DEVICE"
    MASK = "MASK"
    MC_SAMPLES = "MC_SAMPLES"
    TILE_SIZE = "TILE_SIZE"
    CLASS_THRESHOLDS = "CLASS_THRESHOLDS"
    OUTPUT = "OUTPUT"
    OUTPUT_UNCERTAINTY = "OUTPUT_UNCERTAINTY"
    OUTPUT_CLASSES = "OUTPUT_CLASSES"
    OUTPUT_RANK = "OUTPUT_RANK"

    group_id = "deep learning"
    needs_torch = False  # a classic learner's model needs none; a CNN's asks for PyTorch in process()

    def name(self) -> str:
        return "predict"

    def displayName(self) -> str:  # noqa: N802 (QGIS API name)
        return self.tr("Predict prospectivity (CNN or classic model)")

    def layer_group(self) -> str:
        """'Prospectivity (CNN)', or the classic learner's name: a random forest's map is not the CNN's."""
        return f"Prospectivity ({getattr(self, '_maker', 'CNN')})"

    def shortHelpString(self) -> str:  # noqa: N802 (QGIS API name)
        return self.tr(
            "Runs a model trained by 'Train prospectivity CNN' or 'Train prospectivity model' (random forest, "
            "boosting, logistic regression, weights of evidence) over every cell of the INPUT_RASTERS, which must "
            "hold the model's bands (matched by name; a missing band is named in the error).\n\n"
            "OUTPUT: probability of the mineralised class, 0-1 (float32): the softmax of the ensemble's mean logit "
            "divided by the temperature the model file stores (the training report gives both; model files of 0.2 "
            "average the networks' probabilities). A classic model's values are its learner's; trainmodel weights "
            "both classes to the same total (weights of evidence excepted), so they rank the cells but overstate the "
            "chance of mineralisation, and the log says so. Each network is run fully convolutionally "
            "over tiles of TILE_SIZE cells with a halo of half a patch, which gives exactly the per-patch result "
            "at a fraction of the cost, with memory bounded by the tile size. TILE_SIZE 0 (the default) chooses it "
            "from the network, the CPU's cache and the free memory / GDAL_CACHEMAX; the log says which size and "
            "why. The tile size changes no probability, but each tile draws its own MC-dropout masks: give the "
            "logged size to reproduce an uncertainty raster exactly. Cells lacking any band, or outside "
            "the MASK polygons, are nodata. A classic model reads its neighbourhood window around each tile the same "
            "way; it has no uncertainty raster.\n\n"
            "OUTPUT_UNCERTAINTY: the standard deviation of the probability over MC_SAMPLES random dropout masks on "
            "the fully connected layer of every network of the ensemble (ensemble and MC-dropout spread; "
            "0 = skip).\n\n"
            "A warning names every band whose values lie beyond the range the model was trained on (the share of "
            "its cells and both ranges: another district, or a band in other units); the map is still written, but "
            "there the model extrapolates. Model files from 0.3.0 on store that range.\n\n"
            "OUTPUT_CLASSES (optional): 3 high, 2 moderate, 1 low. CLASS_THRESHOLDS 'a,b' gives the probability "
            "limits low/moderate and moderate/high; left empty, high is the most prospective 10 % of the "
            "predicted area and moderate the next 20 %.\n\n"
            "OUTPUT_RANK (optional): the percentile of the study area, 0-100: the share of the predicted cells "
            "scoring lower (ties count half). 99 or more is the top 1 % of the area, 95 the top 5 %; styled by the "
            "top 1 / 5 / 10 / 20 % classes. It ranks by the ensemble's log-odds, which never saturate, so cells "
            "that all show 1.0 in the probability keep their order. Needs about 12 bytes of memory per cell.\n\n"
            + SCHEDULER_HELP.format(what="tiles")
        )

    def initAlgorithm(self, config=None) -> None:  # noqa: N802 (QGIS API name)
        self.addParameter(params.evidence_rasters(self.INPUT_RASTERS, "Evidence rasters (the model's bands)"))
        self.addParameter(
            QgsProcessingParameterFile(self.MODEL, self.tr("Model file (from traincnn or trainmodel)"), extension="pt")
        )
        self.addParameter(params.device(self.DEVICE))
        self.addParameter(params.mask(name=self.MASK))
        self.addParameter(
            QgsProcessingParameterNumber(
                self.MC_SAMPLES,
                self.tr("MC-dropout samples for the uncertainty (0 = none)"),
                QgsProcessingParameterNumber.Integer,
                20,
                False,
                0,
                1000,
            )
        )
        self.addParameter(
            QgsProcessingParameterNumber(
                self.TILE_SIZE,
                self.tr("Tile size (cells; 0 = chosen from the cache and memory)"),
                QgsProcessingParameterNumber.Integer,
                0,
                False,
                0,
                8192,
            )
        )
        self.addParameter(
            QgsProcessingParameterString(
                self.CLASS_THRESHOLDS,
                self.tr("Class thresholds 'low/moderate,moderate/high' (empty = by area)"),
                "",
                optional=True,
            )
        )
        self.addParameter(scheduler_parameter(self.tr))
        self.addParameter(QgsProcessingParameterRasterDestination(self.OUTPUT, self.tr("Prospectivity probability")))
        self.addParameter(
            QgsProcessingParameterRasterDestination(
                self.OUTPUT_UNCERTAINTY,
                self.tr("Uncertainty (ensemble and MC-dropout std)"),
                optional=True,
                createByDefault=True,
            )
        )
        self.addParameter(
            QgsProcessingParameterRasterDestination(
                self.OUTPUT_CLASSES, self.tr("Prospectivity classes"), optional=True, createByDefault=False
            )
        )
        self.addParameter(
            QgsProcessingParameterRasterDestination(
                self.OUTPUT_RANK,
                self.tr("Rank: percentile of the study area (0-100)"),
                optional=True,
                createByDefault=False,
            )
        )

    def process(self, parameters, context, feedback):
        loaded = self._loaded_model(parameters, context, feedback)
        run = self._settings(parameters, context, loaded)
        runner = task_runner(self, parameters, context, feedback)
        reader, grid, paths = self._reader(run.layers, feedback, loaded.model)
        mask, mask_polygons = self._mask(parameters, context, grid, feedback)
        tallied = self._tallied(reader, loaded.model, loaded.classic, mask, feedback)
        outputs = self._outputs(parameters, context, feedback, loaded.model, grid)
        tile = self._tile_size(run.asked_tile, loaded.model, loaded.classic, grid, outputs.mc_samples)
        feedback.pushInfo(f"Tile size: {tile.size} cells ({tile.reason}).")
        provenance = self._provenance(parameters, context, loaded.model, paths, tile.size)
        with runner, kept_heap() as kept:
            if kept:
                feedback.pushInfo("Memory: freed buffers stay in the heap for the next tile (headless run).")
            tiles_on = self._tiles_on(runner, loaded.model, loaded.path, reader, feedback)
            mapped = self._predict_into(
                tiles_on, tallied or reader, grid, mask, run, tile.size, provenance, outputs, feedback
            )
        self._warn_partial_cover(mask_polygons, grid, mapped, feedback)
        self._report_range(tallied, loaded.model, feedback)
        feedback.setProgress(100)
        return self._styled_results(context, outputs)

    def _loaded_model(self, parameters, context, feedback) -> LoadedModel:
        """The MODEL read (PyTorch asked for a CNN's file only), with the word said on every run of a classic
        learner whose probabilities are balanced; names the learner for :meth:`layer_group`."""
        from ..core.learning.classic_file import FORMAT_CLASSIC, load_model, model_format

        model_path = self.parameterAsFile(parameters, self.MODEL, context)
        classic = model_format(model_path) == FORMAT_CLASSIC  # a classic learner's file needs no PyTorch
        if not classic:
            import_cnn()
        model = load_model(model_path)  # a CNN or a classic learner (trainmodel), by the file's format
        self._maker = "CNN"
        if classic:
            from ..core.classic.learner import METHOD_TITLES

            self._maker = METHOD_TITLES.get(getattr(model, "method", ""), "classic model")
            from ..core.classic.learner import balanced_probability_note

            note = balanced_probability_note(model.metadata_)
            if note:  # said on every run of such a model: information, not a warning about this run's inputs
                feedback.pushInfo(note)
        return LoadedModel(model_path, model, classic)

    def _settings(self, parameters, context, loaded: LoadedModel) -> RunSettings:
        """The parameters read and checked before any raster is read."""
        layers = self.parameterAsLayerList(parameters, self.INPUT_RASTERS, context)
        if not layers:
            raise QgsProcessingException("INPUT_RASTERS: choose the evidence rasters the model was trained on.")
        device = "cpu"
        if not loaded.classic:
            from ..core.learning.network import resolve_device

            device = resolve_device(self.parameterAsEnumString(parameters, self.DEVICE, context) or "auto")
        thresholds = self._thresholds(parameters, context)
        asked_tile = self.parameterAsInt(parameters, self.TILE_SIZE, context)
        if 0 < asked_tile < 16:
            raise InputError("give 0 (chosen from the cache and memory) or at least 16 cells.", self.TILE_SIZE)
        return RunSettings(layers, device, thresholds, asked_tile)

    def _outputs(self, parameters, context, feedback, model, grid: GridSpec) -> PredictOutputs:
        """The destinations this run writes, and the MC-dropout samples the uncertainty takes (0 without one),
        with a word where an uncertainty asked for is not written."""
        output = self.parameterAsOutputLayer(parameters, self.OUTPUT, context)
        mc = self.parameterAsInt(parameters, self.MC_SAMPLES, context)
        asked_unc = bool(parameters.get(self.OUTPUT_UNCERTAINTY))
        # MC_SAMPLES at its default asks nothing (the dialog and the modeler pass the default 20 on every run); an
        # OUTPUT_UNCERTAINTY the dialog fills by default is said, as the user sees it ticked and gets no layer
        default_mc = self.parameterDefinition(self.MC_SAMPLES).defaultValue()
        asked_mc = mc > 0 and parameters.get(self.MC_SAMPLES) not in (None, "") and mc != default_mc
        if not getattr(model, "has_uncertainty", True):
            if asked_mc or asked_unc:
                ignored = ", and MC_SAMPLES is ignored" if asked_mc else ""
                feedback.pushInfo(
                    f"No uncertainty raster (OUTPUT_UNCERTAINTY) is written{ignored}: the model's uncertainty is "
                    f"{model.uncertainty_description(mc)}."
                )
            mc, asked_unc = 0, False
        out_unc = None
        if mc > 0:  # resolving the destination queues it for loading, so only when it will be written
            out_unc = self.parameterAsOutputLayer(parameters, self.OUTPUT_UNCERTAINTY, context) or None
        elif asked_unc:
            feedback.pushInfo("MC_SAMPLES is 0: no uncertainty raster is written.")
        mc = mc if out_unc else 0
        if mc:
            feedback.pushInfo(f"Uncertainty: {model.uncertainty_description(mc)}.")
        out_cls = self.parameterAsOutputLayer(parameters, self.OUTPUT_CLASSES, context) or None
        out_rank = self.parameterAsOutputLayer(parameters, self.OUTPUT_RANK, context) or None
        if out_rank:
            check_memory(
                grid.height * grid.width,
                12,  # the score of every cell (float32), the sorted scores of the area and a sort's scratch
                self.OUTPUT_RANK,
                "The rank of every cell",
                "leave OUTPUT_RANK empty, or use a larger pixel size or a smaller MASK.",
            )
        return PredictOutputs(output, out_unc, out_cls, out_rank, mc)

    def _provenance(self, parameters, context, model, paths, tile: int) -> dict:
        """What the outputs record of how they were made: the model, the evidence files and the tile size."""
        return self.provenance(
            parameters,
            context,
            {
                "inputs": paths,
                "model_hashes": model.metadata_.get("data_hashes"),
                "tile_size": tile,
                # the points the model learnt as mineralised, for evaluate to tell deposits it was trained on
                "mineralised_points": (model.metadata_.get("provenance") or {}).get("mineralised_points"),
            },
        )

    def _styled_results(self, context, outputs: PredictOutputs) -> dict:
        """The results, each output styled as it loads."""
        name = f"Prospectivity ({self._maker}): most prospective % of the area"  # a random forest's map says so
        self.style_on_load(context, outputs.probability, "prospectivity", self.tr(name), stretch=False,
                           legend="area_rank")  # fmt: skip
        if outputs.uncertainty:
            self.style_on_load(
                context, outputs.uncertainty, "element_pseudocolor", self.tr("Prospectivity uncertainty"),
                visible=False,
            )  # fmt: skip
        results = {self.OUTPUT: outputs.probability, self.OUTPUT_UNCERTAINTY: outputs.uncertainty}
        if outputs.classes:
            results[self.OUTPUT_CLASSES] = outputs.classes
            self.style_on_load(
                context,
                outputs.classes,
                "prospectivity_classes",
                self.tr("Prospectivity classes"),
                False,
                visible=False,
                legend="present_classes",  # thresholds above the map's values leave 'high' empty: not in the legend
            )
        if outputs.rank:
            results[self.OUTPUT_RANK] = outputs.rank
            self.style_on_load(
                context, outputs.rank, "prospectivity_rank", self.tr("Prospectivity rank: percentile of the area"),
                False, visible=False, legend="area_rank",
            )  # fmt: skip
        return results

    def _tile_size(self, asked: int, model, classic: bool, grid: GridSpec, mc: int):
        """TILE_SIZE, or (0) the size chosen here, once, from the network, the cache and the memory
        (core.learning.tiling); Dask workers get it with their tiles."""
        from ..core.learning.tiling import TileChoice

        if asked:
            return TileChoice(asked, "TILE_SIZE")
        if classic:
            return TileChoice(512, "a classic model's neighbourhood features: the fixed 512")
        from ..core.learning.piecewise import encoding_bins
        from ..core.learning.tiling import bytes_per_cell, tile_size_here

        config = model.config_
        bins = encoding_bins(model.nets_[0])
        cell_bytes = bytes_per_cell(len(model.band_names_), config.width, config.hidden, bool(config.coarse), mc, bins)
        return tile_size_here(config.field // 2, cell_bytes, config.hidden, grid.height, grid.width)

    def _reader(self, layers, feedback, model):
        """Tiles of the bands the model needs, in its order: straight from the files when they share a grid."""
        paths, names = layer_paths(layers, self.INPUT_RASTERS)
        require_projected(
            layers[0].crs(),
            self.INPUT_RASTERS,
            f"'{layers[0].name()}'",
            "models are trained on cells of one size in metres or feet",
            extent=layers[0].extent(),
            feedback=feedback,
        )
        selection, available, grids = band_table(paths, names)
        found = model_band_order(model.band_names_, available, selection, self.INPUT_RASTERS)
        unused = unused_bands_warning(model.band_names_, found, available, self.INPUT_RASTERS)
        if unused:
            feedback.pushWarning(unused)
        grid = grids[0]
        reader = self._window_reader(paths, names, selection, found, grids, feedback)
        self._warn_cell_size(model, grid, feedback)
        self._warn_other_ground(model, grid, feedback)
        return reader, grid, paths

    def _window_reader(self, paths, names, selection, found, grids, feedback) -> Union[StackWindowReader, _ArrayReader]:
        """Tiles of the bands ``found`` (indexes into the files' ``selection``, in the model's order): straight from
        the files when they share a grid, else aligned onto the first raster's grid in memory."""
        chosen = [selection[i] for i in found]
        grid = grids[0]
        if grid is None:  # say which file and why, as the other steps do
            import rasterio

            with no_gdal_sidecars(), rasterio.open(paths[0]) as src:
                require_north_up(src.transform, paths[0], self.INPUT_RASTERS)
        if all(g == grid for g in grids):
            reader: Union[StackWindowReader, _ArrayReader] = StackWindowReader(chosen, grid)
            feedback.pushInfo("Inputs share one grid: reading tiles straight from the files.")
            warnings = raster_warnings(chosen, self.INPUT_RASTERS)
        else:
            feedback.pushInfo("Inputs are on different grids: aligning them onto the first raster's grid in memory.")
            stack = read_stack(paths, names)
            for note in stack.notes:
                feedback.pushInfo(note)
            reader = _ArrayReader(array_window_reader(stack.bands[found]))
            warnings = stack.warnings
        for warning in warnings:
            feedback.pushWarning(warning)
        return reader

    @staticmethod
    def _warn_other_ground(model, grid, feedback) -> None:
        """A word when the rasters do not overlap the ground the model was trained on (a model of another study
        area, chosen by mistake or on purpose): the map then applies what deposits elsewhere taught."""
        from ..core.learning.training_range import training_ground_gap

        trained = model.metadata_.get("grid") or {}
        gap = training_ground_gap(trained, grid)
        if not gap:
            return
        feedback.pushWarning(
            f"INPUT_RASTERS: the model was trained on other ground: its training grid ({trained['width']} x "
            f"{trained['height']} cells from {trained['xmin']:,.0f}, {trained['ymax']:,.0f}) lies {gap / 1000:,.1f} "
            "km from these rasters and does not overlap them. The map applies what the deposits there taught to "
            "this ground: if that is meant, check it against deposits here (evaluate); if not, choose the model "
            "trained on these rasters."
        )

    def _warn_cell_size(self, model, grid, feedback) -> None:
        """A word when the inputs' cells are another ground size than the training's (compared in metres: a model
        trained on 250 m cells runs on 820 ft ones), with what the model's window then covers."""
        from ..core.grid import cell_size_change_note, metres_per_unit

        trained = model.metadata_.get("grid") or {}
        if not trained.get("pixel_size"):
            return
        trained_m = trained["pixel_size"] * metres_per_unit(trained.get("crs_wkt"))
        here_m = grid.pixel_size * metres_per_unit(grid.crs_wkt)
        if abs(trained_m - here_m) <= 1e-6 * trained_m:
            return
        cells = model.metadata_.get("patch_size") or model.metadata_.get("window") or 1
        feedback.pushWarning(cell_size_change_note(trained_m, here_m, int(cells)))

    def _tallied(self, reader, model, classic: bool, mask, feedback):
        """The reader, counting the cells beyond the model's training range as the tiles are read; None when the
        model file records no range."""
        from ..core.learning.training_range import RangeTally, TalliedReader, training_range

        limits = training_range(model.metadata_)
        if limits is None:
            feedback.pushInfo(
                "The model file records no training range (it was written before 0.3.0): the evidence is not "
                "compared with what the model was trained on; train it again to have that checked."
            )
            return None
        halo = model.metadata_["window"] // 2 if classic else model.config_.field // 2
        return TalliedReader(reader, RangeTally(limits), halo, mask, model.band_names_)

    def _report_range(self, tallied, model, feedback) -> None:
        """Warn, naming the bands, where the evidence lies beyond the model's training range (never refuse)."""
        if tallied is None:
            return
        if not tallied.tally.valid.any():  # the tiles ran on Dask workers, which read the files themselves
            feedback.pushInfo("The tiles were read on the workers: the evidence was not compared with the training "
                              "range; run without SCHEDULER to have it checked.")  # fmt: skip
            return
        warning = tallied.tally.report(model.band_names_, self.INPUT_RASTERS)
        if warning:
            feedback.pushWarning(warning)
        else:
            feedback.pushInfo(f"Evidence within the training range in every band ({tallied.tally.limits.what}).")

    def _tiles_on(self, runner, model, model_path, reader, feedback):
        """What runs the tiles: the model in this process, or Dask workers reading the files themselves."""
        if runner.in_process:
            return model
        if not isinstance(reader, StackWindowReader):
            feedback.pushWarning("SCHEDULER: the inputs are aligned in memory (different grids), so the tiles run in "
                                 "this process; give rasters on one grid to run them on the workers.")  # fmt: skip
            return model
        from ..core.distributed.tasks import DistributedTiles

        return DistributedTiles(runner, model_path, reader.selection, reader.grid)

    def _mask(self, parameters, context, grid, feedback=None):
        """The MASK on the grid and its polygons (for :meth:`_warn_partial_cover`), or (None, None)."""
        mask = polygons = None
        mask_source = self.parameterAsSource(parameters, self.MASK, context)
        if mask_source is not None:
            from qgis.core import QgsCoordinateReferenceSystem

            crs = QgsCoordinateReferenceSystem.fromWkt(grid.crs_wkt) if grid.crs_wkt else mask_source.sourceCrs()
            polygons = mask_geometries(mask_source, crs, context, feedback=feedback)
            mask = mask_on_grid(polygons, grid)
        return mask, polygons

    @staticmethod
    def _warn_partial_cover(polygons, grid, mapped_cells: int, feedback) -> None:
        """Warn when the cells mapped (a value in every band, inside the MASK) cover under COVERED_SHARE of the MASK's
        polygons: beyond the rasters or on their nodata, the rank's percentiles and the classes' shares are of the
        part mapped."""
        from ..core.evaluation.coverage import COVERED_SHARE, covered_share_of_count

        share = covered_share_of_count(polygons, grid, mapped_cells) if polygons else None
        if share is not None and share < COVERED_SHARE:
            feedback.pushWarning(
                f"MASK: the rasters cover only {100 * share:.0f} % of the study area (the MASK's polygons) with a "
                "value in every band: the map, its classes and its rank (percentiles of the study area) are of the "
                "part they cover, not of the whole study area. Give rasters that cover the study area, or a MASK of "
                "the part they cover."
            )

    def _predict_into(
        self, model, reader, grid, mask, run: RunSettings, tile: int, provenance, outputs: PredictOutputs, feedback
    ) -> int:
        """Predict tile by tile into the outputs' temporaries; the classes from the probabilities' histogram. Returns
        the number of cells mapped (a value in every band, inside the mask)."""
        area = AreaLimits()  # the classes' limits by area, exact from the values the file holds
        scores = np.full((grid.height, grid.width), np.nan, np.float32) if outputs.rank else None
        with ExitStack() as stack_ctx:
            stack_ctx.callback(reader.close)
            temporaries = self._temporaries(stack_ctx, outputs)
            self._predict_tiles(
                model, reader, run, tile, TileTargets(grid, mask, temporaries, provenance, area, scores), feedback
            )
            if area.count == 0:
                raise InputError(
                    "no cell has a value in every band (inside the mask): "
                    f"{_empty_bands(reader, grid) or 'a band is all nodata there, or the rasters do not overlap'}. "
                    "Check each raster's nodata value and extent (and the MASK).",
                    self.INPUT_RASTERS,
                )
            if temporaries.classes:
                self._classes_into(temporaries, grid, run.thresholds, area, provenance, tile, feedback)
            if temporaries.rank and scores is not None:
                self._write_rank(scores, temporaries.rank, grid, provenance, tile, feedback)
        return area.count

    def _temporaries(self, stack_ctx: ExitStack, outputs: PredictOutputs) -> PredictOutputs:
        """The temporary file of each output asked for, moved onto it when ``stack_ctx`` closes without an error."""

        def temporary(path: Optional[str], parameter: str) -> Optional[str]:
            return stack_ctx.enter_context(atomic_output(path, parameter)) if path else None

        return PredictOutputs(
            stack_ctx.enter_context(atomic_output(outputs.probability, self.OUTPUT)),
            temporary(outputs.uncertainty, self.OUTPUT_UNCERTAINTY),
            temporary(outputs.classes, self.OUTPUT_CLASSES),
            temporary(outputs.rank, self.OUTPUT_RANK),
            outputs.mc_samples,
        )

    @staticmethod
    def _predict_tiles(model, reader, run: RunSettings, tile: int, targets: TileTargets, feedback) -> None:
        """The probability and the uncertainty written tile by tile into the targets' temporaries (nodata outside the
        mask), each tile's probabilities added to the limits by area and its scores kept for the rank."""
        temporaries = targets.temporaries
        with PredictAlgorithm._tile_writers(targets) as (dst_prob, dst_unc):

            def write(r0: int, c0: int, prob: np.ndarray, std, score=None) -> None:
                blank_outside(targets.mask, r0, c0, prob, std)
                if targets.scores is not None:
                    targets.scores[r0 : r0 + prob.shape[0], c0 : c0 + prob.shape[1]] = np.where(
                        np.isfinite(prob), score, np.nan
                    )
                write_window(dst_prob, r0, c0, prob, NODATA)
                if dst_unc is not None and std is not None:
                    write_window(dst_unc, r0, c0, std, NODATA)
                targets.area.add(prob)

            times = model.predict_tiled(  # where the time went (None from Dask workers)
                reader,
                targets.grid.height,
                targets.grid.width,
                write,
                tile=tile,
                device=run.device,
                mc_samples=temporaries.mc_samples,
                progress=lambda f: feedback.setProgress((85 if temporaries.classes or temporaries.rank else 98) * f),
                is_cancelled=feedback.isCanceled,
                with_score=targets.scores is not None,
            )
        if times is not None:
            feedback.pushInfo(f"Prediction: {times.line()}.")

    @staticmethod
    @contextmanager
    def _tile_writers(targets: TileTargets) -> Iterator[tuple]:
        """The probability's writer and the uncertainty's (None without OUTPUT_UNCERTAINTY), closed on leaving."""
        grid, provenance = targets.grid, targets.provenance
        dst_prob = open_geotiff_writer(
            targets.temporaries.probability, grid, ["prospectivity"], provenance=provenance, nodata=NODATA
        )
        try:
            dst_unc = (
                open_geotiff_writer(
                    targets.temporaries.uncertainty, grid, ["uncertainty"], provenance=provenance, nodata=NODATA
                )
                if targets.temporaries.uncertainty
                else None
            )
        except BaseException:
            dst_prob.close()
            raise
        try:
            yield dst_prob, dst_unc
        finally:
            dst_prob.close()
            if dst_unc is not None:
                dst_unc.close()

    def _classes_into(
        self, temporaries: PredictOutputs, grid, thresholds, area: AreaLimits, provenance, tile, feedback
    ) -> None:
        """The classes written from the probability (CLASS_THRESHOLDS, or the limits by area), with the share each
        holds."""
        limits = thresholds or self._area_limits(area, temporaries.probability, grid, tile, feedback)
        counts = self._write_classes(temporaries.probability, temporaries.classes, grid, limits, provenance, tile,
                                     feedback)  # fmt: skip
        held = class_shares(counts)
        feedback.pushInfo(
            f"Class limits: low < {limits[0]:.4g} <= moderate < {limits[1]:.4g} <= high"
            + ("" if thresholds else " (by area: the highest 10 % high, the next 20 % moderate)")
            + f"; high holds {held[2]:.2f} %, moderate {held[1]:.2f} %, low {held[0]:.2f} % of the predicted "
            "cells."
        )
        note = None if thresholds else class_share_note(counts)
        if note:
            feedback.pushWarning(note)

    def _thresholds(self, parameters, context):
        return probability_limits(
            self.parameterAsString(parameters, self.CLASS_THRESHOLDS, context), self.CLASS_THRESHOLDS
        )

    def _area_limits(self, area: AreaLimits, prob_path, grid: GridSpec, tile, feedback):
        """The probabilities leaving 10 % of the predicted area high and the next 20 % moderate: a second pass over
        the written probabilities finds them exactly (:class:`core.learning.area_limits.AreaLimits`)."""
        import rasterio
        from rasterio.windows import Window

        from ..core.callbacks import check_cancelled

        with rasterio.open(prob_path) as src:
            for r0 in range(0, grid.height, tile):
                check_cancelled(feedback.isCanceled)
                h = min(tile, grid.height - r0)
                area.add_fine(src.read(1, window=Window(0, r0, grid.width, h), masked=True).filled(np.nan))
        return separated_limits(*area.limits())

    def _write_classes(self, prob_path, cls_path, grid: GridSpec, limits, provenance, tile, feedback) -> np.ndarray:
        """Second pass over the written probabilities: 1 low, 2 moderate, 3 high; returns the cells written per class
        (low, moderate, high)."""
        import rasterio
        from rasterio.windows import Window

        counts = np.zeros(3, dtype=np.int64)
        with rasterio.open(prob_path) as src:
            dst = open_geotiff_writer(
                cls_path, grid, ["prospectivity class"], dtype="uint8", nodata=CLASS_NODATA, provenance=provenance
            )
            try:
                for r0 in range(0, grid.height, tile):
                    if feedback.isCanceled():
                        from ..core.errors import Cancelled

                        raise Cancelled()
                    h = min(tile, grid.height - r0)
                    prob = src.read(1, window=Window(0, r0, grid.width, h), masked=True)
                    classes = probability_classes(prob, limits, CLASS_NODATA)
                    counts += np.bincount(classes[classes != CLASS_NODATA], minlength=4)[1:4]
                    write_window(dst, r0, 0, classes, CLASS_NODATA)
                    feedback.setProgress(85 + 13 * (r0 + h) / grid.height)
            finally:
                dst.close()
        return counts

    def _write_rank(self, scores: np.ndarray, rank_path, grid: GridSpec, provenance, tile, feedback) -> None:
        """The percentile of the study area of every cell, from the scores kept in memory (ties count half)."""
        from ..core.callbacks import check_cancelled
        from ..core.learning.calibration import area_percentile, rank_class_note, tie_statistics

        sorted_area = np.sort(scores[np.isfinite(scores)])
        ties = tie_statistics(sorted_area)
        feedback.pushInfo(
            f"Rank: {ties['cells']} cells, {ties['distinct_values']} distinct scores; the largest tie holds "
            f"{100 * ties['largest_tie_fraction']:.2f} % of the area."
        )
        note = rank_class_note(sorted_area, ties=ties)
        if note:
            feedback.pushWarning(note)
        dst = open_geotiff_writer(
            rank_path, grid, ["percentile of the study area"], provenance=provenance, nodata=NODATA
        )
        try:
            for r0 in range(0, grid.height, tile):
                check_cancelled(feedback.isCanceled)
                rank = area_percentile(scores[r0 : r0 + tile], sorted_area)
                write_window(dst, r0, 0, rank, NODATA)
                feedback.setProgress(98 + min(1.0, (r0 + tile) / grid.height))
        finally:
            dst.close()


class _ArrayReader:
    """Adapts core.learning.patches.window_reader to the reader interface (with close())."""

    def __init__(self, read) -> None:
        self._read = read

    def __call__(self, r0: int, r1: int, c0: int, c1: int) -> np.ndarray:
        return self._read(r0, r1, c0, c1)

    def close(self) -> None:
        pass


def _empty_bands(reader, grid) -> str:
    """'band(s) ... have no value there' from the training-range tally of the tiles read, or '' without one (the
    tally counts each band's cells with a value, inside the mask). When the tiles ran on Dask workers, which read
    the files themselves, the grid is tallied here first (the run has failed: nothing else is read)."""
    from ..core.learning.training_range import TalliedReader

    if not isinstance(reader, TalliedReader):
        return ""
    if not reader.tally.valid.any():
        reader.scan(grid.height, grid.width)
    if not reader.tally.valid.any():
        return ""
    empty = [name for name, n in zip(reader.band_names, reader.tally.valid) if n == 0]
    return f"the model's band(s) {', '.join(empty)} have no value there" if empty else ""
