"""The opened ND2 file: XY positions as series, nd2's metadata mapped to the model.

Imported only when an ND2 file is opened (nd2 and numpy are heavy).
"""

from __future__ import annotations

import dataclasses
import json
import math
from datetime import datetime
from pathlib import Path
from typing import Any

import nd2
import numpy as np
from nd2 import ND2File
from nd2.structures import FrameMetadata

from imagesteward.errors import CorruptFileError
from imagesteward.formats._base import SourceBase
from imagesteward.formats._nd2_frames import assemble_frames
from imagesteward.formats._nd2_metadata import (
    acquisition_date,
    camera_detector,
    laser_source,
    parse_plane_texts,
    plain_objective,
    transmitted_contrast,
)
from imagesteward.formats.reader import OriginalMetadata, ReadContext, Selection
from imagesteward.formats.safety import check_plausible_size
from imagesteward.model import (
    ArrayStructure,
    Attachment,
    Channel,
    Detector,
    Dimension,
    Image,
    ImageAcquisition,
    LightSource,
    Microscope,
    Objective,
    SeriesInfo,
    Software,
    StagePosition,
)

__all__ = ["Nd2Source"]


class Nd2Source(SourceBase):
    """An opened ND2 file; XY positions become series."""

    def __init__(self, path: Path, context: ReadContext) -> None:
        super().__init__(path)
        self._context = context
        self._size = path.stat().st_size
        try:
            self._nd2: ND2File = nd2.ND2File(path)
        except Exception as exc:
            raise CorruptFileError(path, _explain_open_failure(exc, self._size)) from exc
        self._on_close(self._nd2.close)
        try:
            # nd2 reads the chunk map (at the end of the file) lazily; read it now so a
            # truncated file fails here, with the reason, rather than on first use.
            _ = self._nd2.attributes, self._nd2.sizes
        except Exception as exc:
            self.close()
            raise CorruptFileError(path, _explain_open_failure(exc, self._size)) from exc
        self._version = nd2.__version__
        self._original: bytes | None = None
        self._positions: list[int] = []
        self._seq: dict[tuple[int, ...], int] = {}
        self._loop_order: list[str] = []

    # ------------------------------------------------------------------ structure
    def _axes(self) -> tuple[list[str], list[str]]:
        """Outer (loop) axes without P, and frame axes, in our order."""
        sizes = dict(self._nd2.sizes)
        loops = [d for d in sizes if d not in ("P", "Y", "X", "S") and d in self._loop_order]
        outer = list(loops)
        if "T" not in outer:
            outer.insert(0, "T")
        if "Z" not in outer:
            outer.append("Z")
        # Channels are components of a frame unless the experiment loops over them.
        inner = ["Y", "X"] if "C" in loops else ["C", "Y", "X"]
        if sizes.get("S", 1) > 1:
            inner.append("S")
        return outer, inner

    def _load_series(self) -> list[SeriesInfo]:
        n = self._nd2
        sizes = dict(n.sizes)
        itemsize = n.dtype.itemsize
        check_plausible_size(
            self.path, [tuple(sizes.values())], itemsize, self._size, self._context
        )
        indices = n.loop_indices
        self._loop_order = list(indices[0].keys()) if indices else []
        for seq, coords in enumerate(indices):
            self._seq[tuple(coords.get(d, 0) for d in self._loop_order)] = seq
        self._positions = list(range(sizes.get("P", 1)))
        outer, inner = self._axes()
        dims = tuple(outer + inner)
        shape = tuple(sizes.get(d, 1) for d in dims)
        structure = ArrayStructure(
            dims=dims,
            shape=shape,
            dtype=n.dtype.name,
            chunks=tuple(sizes.get(d, 1) if d in inner else 1 for d in dims),
        )
        self._original = self._build_original()
        return [self._series(p, structure) for p in self._positions]

    def _series(self, position: int, structure: ArrayStructure) -> SeriesInfo:
        n = self._nd2
        notes: list[str] = []
        sizes = dict(n.sizes)
        if sizes.get("P", 1) > 1:
            notes.append(
                f"XY position {position} of {sizes['P']}: ND2 positions are separate series"
            )
        metadata = n.metadata
        first = self._seq_index({"P": position})
        frame = n.frame_metadata(first) if first is not None else None
        volume = metadata.channels[0].volume if metadata.channels else None
        physical_x = physical_y = physical_z = None
        if volume is not None:
            calibrated = volume.axesCalibrated
            calibration = volume.axesCalibration
            if calibrated[0] and calibration[0] > 0:
                physical_x = float(calibration[0])
            if calibrated[1] and calibration[1] > 0:
                physical_y = float(calibration[1])
            z_loop = any(loop.type == "ZStackLoop" for loop in n.experiment)
            if z_loop and calibrated[2] and calibration[2] > 0:
                physical_z = float(calibration[2])
            elif not z_loop:
                notes.append(
                    f"ND2 Z step {calibration[2]} µm ignored: no Z loop, it is nd2's default"
                )
        channels, objective, immersion_ri = self._channels(notes)
        modes = {c.acquisition_mode for c in channels if c.acquisition_mode}
        start_jdn = None
        if isinstance(frame, FrameMetadata) and frame.channels:
            stamp = frame.channels[0].time
            start_jdn = stamp.absoluteJulianDayNumber - stamp.relativeTimeMs / 86_400_000
        date_text = n.text_info.get("date")
        date, timezone_known = acquisition_date(date_text, start_jdn, notes)
        acquisition = ImageAcquisition(
            acquisition_mode=modes.pop() if len(modes) == 1 else None,
            acquisition_date=date,
            acquisition_date_as_written=date_text or None,
            timezone_known=timezone_known,
            microscope=self._microscope(channels, objective, notes),
            objective=objective,
            immersion_refractive_index=immersion_ri,
            stage_position=self._stage(position, frame),
            acquisition_software=self._software(),
        )
        name = self._position_name(position)
        attributes = n.attributes
        image = Image(
            name=name,
            series_index=position,
            file_format="nd2",
            reader=f"nd2 {self._version}",
            axes="".join(structure.dims),
            size_t=structure.size("T"),
            size_c=structure.size("C"),
            size_z=structure.size("Z"),
            size_y=structure.size("Y"),
            size_x=structure.size("X"),
            samples_per_pixel=structure.size("S"),
            extra_dimensions=[
                Dimension(name=d, size=n, description="ND2 experiment loop")
                for d, n in zip(structure.dims, structure.shape, strict=True)
                if d not in ("T", "C", "Z", "Y", "X", "S")
            ]
            or None,
            pixel_type=structure.dtype,
            significant_bits=attributes.bitsPerComponentSignificant or None,
            physical_size_x=physical_x,
            physical_size_y=physical_y,
            physical_size_z=physical_z,
            time_increment=self._time_increment(notes),
            resolution_levels=["x".join(str(s) for s in structure.shape)],
            channels=channels,
            acquisition=acquisition,
            original_metadata=self._attachment(),
            capture_notes=notes or None,
        )
        return SeriesInfo(image=image, structure=structure, notes=list(notes))

    def _seq_index(self, coords: dict[str, int]) -> int | None:
        key = tuple(coords.get(d, 0) for d in self._loop_order)
        return self._seq.get(key)

    def _position_name(self, position: int) -> str | None:
        for loop in self._nd2.experiment:
            if loop.type == "XYPosLoop":
                points = loop.parameters.points
                if position < len(points) and points[position].name:
                    return str(points[position].name)
        return None

    def _stage(self, position: int, frame: Any) -> StagePosition | None:
        if frame is None or not frame.channels:
            return None
        x, y, z = frame.channels[0].position.stagePositionUm
        values = [v if isinstance(v, int | float) and math.isfinite(v) else None for v in (x, y, z)]
        if values[0] is None and values[1] is None:
            return None
        return StagePosition(position_x=values[0], position_y=values[1], position_z=values[2])

    def _time_increment(self, notes: list[str]) -> float | None:
        for loop in self._nd2.experiment:
            if loop.type == "TimeLoop" and loop.count > 1:
                params = loop.parameters
                # nd2 types periodDiff as always present; older files can lack it.
                diff = getattr(params, "periodDiff", None)
                measured = getattr(diff, "avg", 0) or 0
                if measured and measured > 0:
                    notes.append("time_increment is the measured mean period of the time loop")
                    return float(measured) / 1000.0
                if params.periodMs > 0:
                    notes.append("time_increment is the requested period (no measured period)")
                    return float(params.periodMs) / 1000.0
            if loop.type == "NETimeLoop" and loop.count > 1:
                periods = [p for p in loop.parameters.periods if p.count > 1]
                if len(periods) == 1 and periods[0].periodMs > 0:
                    notes.append("time_increment from the single period of the ND time loop")
                    return float(periods[0].periodMs) / 1000.0
                notes.append("ND time loop with several periods: no single time increment")
        return None

    def _software(self) -> Software | None:
        info = self._nd2.custom_data.get("AppInfo_V1_0") or {}
        name, version = info.get("SWNameString"), info.get("VersionString")
        if not (name or version):
            return None
        return Software(name=name or None, version=version or None)

    def _sample_settings(self) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
        """Raw picture metadata: picture planes, sample settings, and the global block."""
        raw = self._nd2.unstructured_metadata()
        picture = (raw.get("ImageMetadataSeqLV|0") or {}).get("SLxPictureMetadata") or {}
        planes = picture.get("PicturePlanes") or {}
        return (
            planes.get("PlaneNew") or planes.get("Plane") or {},
            planes.get("SampleSetting") or {},
            picture,
        )

    def _channels(self, notes: list[str]) -> tuple[list[Channel], Objective | None, float | None]:
        n = self._nd2
        metadata = n.metadata
        raw_planes, samples, _ = self._sample_settings()
        plane_list = list(raw_planes.values())
        texts = parse_plane_texts(n.text_info.get("description"))
        channels: list[Channel] = []
        objective: Objective | None = None
        immersion_ri: float | None = None
        for index, meta in enumerate(metadata.channels or []):
            info = meta.channel
            scope = meta.microscope
            plane = plane_list[index] if index < len(plane_list) else {}
            sample = samples.get(str(plane.get("SampleIndex", index))) or {}
            configs = sample.get("OpticalConfigs") or {}
            config_name = next(
                (c.get("OpticalConfigName") for c in configs.values() if isinstance(c, dict)), None
            )
            text = texts[index] if index < len(texts) else None
            contrast = transmitted_contrast(info.name, config_name)
            excitation = info.excitationLambdaNm
            emission = info.emissionLambdaNm
            light_source: LightSource | None = None
            attenuation: float | None = None
            flags = set(scope.modalityFlags or [])
            if contrast:
                reported = ", ".join(
                    f"{what} {value:g} nm"
                    for what, value in (("excitation", excitation), ("emission", emission))
                    if value
                )
                if reported:
                    notes.append(
                        f"channel {info.name!r} is transmitted light ({contrast}); nd2's "
                        f"{reported} describe the instrument's fluorescence state, not this "
                        "channel, and are dropped"
                    )
                excitation = emission = None
            elif text and len(text.lasers) == 1:
                device, line, power = text.lasers[0]
                if excitation is not None and not math.isclose(excitation, line):
                    notes.append(
                        f"channel {info.name!r}: excitation {line:g} nm from the active laser line "
                        f"in the plane description; nd2 reported {excitation:g} nm"
                    )
                excitation = line
                light_source = laser_source(device, line)
                if 0 <= power <= 100:
                    attenuation = round(100.0 - power, 9)
            elif text and len(text.lasers) > 1 and excitation is not None:
                lines = [w for _, w, _ in text.lasers]
                if not any(math.isclose(excitation, w) for w in lines):
                    notes.append(
                        f"channel {info.name!r}: several active laser lines {lines}; nd2's "
                        f"excitation {excitation:g} nm is none of them and is dropped"
                    )
                    excitation = None
            camera = sample.get("CameraSetting") or {}
            detector, binning = camera_detector(camera) if camera else (None, None)
            if binning is None and text is not None:
                binning = text.binning
            exposure_ms = sample.get("ExposureTime")
            if not isinstance(exposure_ms, int | float) or exposure_ms <= 0:
                exposure_ms = text.exposure_ms if text else None
            mode = _acquisition_mode(
                {str(f) for f in flags}, text.observation if text else None, contrast
            )
            color = info.color
            channels.append(
                Channel(
                    channel_index=index,
                    name=info.name or None,
                    color=f"#{color.r:02X}{color.g:02X}{color.b:02X}",
                    fluorophore_name=(plane.get("FluorescentProbe") or {}).get("Name") or None,
                    excitation_wavelength=excitation,
                    emission_wavelength=emission,
                    illumination_type="Transmitted"
                    if contrast
                    else ("Epifluorescence" if "fluorescence" in flags else None),
                    contrast_method=contrast
                    or ("Fluorescence" if "fluorescence" in flags else None),
                    acquisition_mode=mode,
                    exposure_time=float(exposure_ms) / 1000.0 if exposure_ms else None,
                    pinhole_size=scope.pinholeDiameterUm,
                    light_source=light_source,
                    light_source_attenuation=attenuation,
                    detector=detector,
                    binning=binning,
                    zoom=scope.zoomMagnification,
                )
            )
            if objective is None:
                objective = plain_objective(
                    scope.objectiveName,
                    scope.objectiveMagnification,
                    scope.objectiveNumericalAperture,
                )
                immersion_ri = scope.immersionRefractiveIndex
        if any(c.light_source_attenuation is not None for c in channels):
            notes.append(
                "laser power settings (percent) stored as light_source_attenuation = 100 - power"
            )
        if objective is not None and objective.correction:
            notes.append(f"objective correction {objective.correction} read from its name")
        return channels, objective, immersion_ri

    def _microscope(
        self, channels: list[Channel], objective: Objective | None, notes: list[str]
    ) -> Microscope | None:
        _, samples, _ = self._sample_settings()
        device = {}
        for sample in samples.values():
            if isinstance(sample, dict) and sample.get("DeviceSetting"):
                device = sample["DeviceSetting"]
                break
        physical = str(device.get("MicroscopePhysFullName") or "").strip()
        manufacturer = model = None
        if physical:
            parts = physical.split(" ", 1)
            manufacturer, model = (parts[0], parts[1]) if len(parts) == 2 else (None, physical)
            notes.append(f"microscope {physical!r} from the device settings")
        detectors: list[Detector] = []
        for channel in channels:
            if channel.detector is not None and channel.detector not in detectors:
                detectors.append(channel.detector)
        sources: list[LightSource] = []
        for channel in channels:
            if channel.light_source is not None and channel.light_source not in sources:
                sources.append(channel.light_source)
        if not (physical or detectors or objective):
            return None
        return Microscope(
            manufacturer=manufacturer,
            model=model,
            instrument_name=str(device.get("MicroscopeFullName") or "").strip() or None,
            objectives=[objective] if objective else None,
            detectors=detectors or None,
            light_sources=sources or None,
        )

    # ------------------------------------------------------------------ original metadata
    def _build_original(self) -> bytes:
        n = self._nd2
        document: dict[str, Any] = {
            "nd2_version": self._version,
            "file_version": list(n.version),
            "attributes": _jsonable(n.attributes),
            "metadata": _jsonable(n.metadata),
            "text_info": _jsonable(n.text_info),
            "experiment": _jsonable(n.experiment),
            "sizes": dict(n.sizes),
        }
        for key, getter in (
            ("unstructured_metadata", n.unstructured_metadata),
            ("custom_data", lambda: n.custom_data),
            ("events", lambda: n.events(orient="list")),
            ("rois", lambda: n.rois),
        ):
            try:
                document[key] = _jsonable(getter())
            except Exception as exc:  # noqa: BLE001 - keep what can be kept, say what failed
                document[key] = f"not available: {type(exc).__name__}: {exc}"
        return json.dumps(document, ensure_ascii=False, indent=1, default=str).encode("utf-8")

    def _attachment(self) -> Attachment:
        return self._original_document().attachment(
            "everything nd2 exposes (metadata, text info, experiment, raw chunks)"
        )

    def original_metadata(self) -> OriginalMetadata | None:
        """A JSON document of everything the nd2 library exposes."""
        if self._original is None:
            _ = self.series
        return self._original_document()

    def _original_document(self) -> OriginalMetadata:
        assert self._original is not None
        return OriginalMetadata(f"{self.path.name}.json", "application/json", self._original)

    # ------------------------------------------------------------------ pixels
    def read(self, series: int, selection: Selection | None = None, level: int = 0) -> np.ndarray:
        """Read a region frame by frame; only the frames the selection touches are read."""
        info = self.series[series]
        if level != 0:
            raise IndexError(f"{self.path}: ND2 files have one resolution level, not {level}")
        structure = info.structure
        outer, inner = self._axes()
        position = self._positions[series]
        inner_shape = tuple(structure.size(d) for d in inner)

        def read_frame(coords: dict[str, int]) -> np.ndarray:
            seq = self._seq_index({**coords, "P": position})
            if seq is None:
                raise CorruptFileError(
                    self.path, f"no frame recorded for {coords} at position {position}"
                )
            try:
                frame = self._nd2.read_frame(seq)
            except (ValueError, OSError, IndexError) as exc:
                raise CorruptFileError(self.path, f"frame {seq} cannot be read: {exc}") from exc
            return np.asarray(frame).reshape(inner_shape)

        return assemble_frames(structure, selection, len(outer), read_frame)


def _acquisition_mode(flags: set[str], observation: str | None, contrast: str | None) -> str | None:
    if "laserScanConfocal" in flags:
        return "LaserScanningConfocalMicroscopy"
    if "spinningDiskConfocal" in flags or (observation or "").lower() == "confocal":
        return "SpinningDiskConfocal"
    if "sweptFieldConfocalPinhole" in flags or "sweptFieldConfocalSlit" in flags:
        return "SweptFieldConfocal"
    if "multiphoton" in flags:
        return "MultiPhotonMicroscopy"
    if "TIRF" in flags:
        return "TotalInternalReflection"
    if contrast == "Brightfield":
        return "BrightField"
    if flags & {"fluorescence", "camera"} or contrast:
        return "WideField"
    return None


def _jsonable(value: Any) -> Any:
    """Dataclasses, numpy values and mappings as plain JSON types."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, datetime):
        return value.isoformat()
    if hasattr(value, "tolist"):
        return value.tolist()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _explain_open_failure(exc: Exception, size: int) -> str:
    # nd2 quotes the raw bytes it found; keep the message readable.
    text = str(exc).split(" b'", 1)[0].split(' b"', 1)[0].strip()
    if "ChunkMap" in text or "chunk map" in text.lower() or "signature" in text.lower():
        return (
            f"the ND2 chunk map at the end of the file is missing or damaged (file is {size:,} "
            f"bytes; truncated or overwritten?): {text}"
        )
    return f"is not a readable ND2 file: {type(exc).__name__}: {text}"
