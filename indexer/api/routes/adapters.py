"""Style adapters trained here from an artist's uploaded works (issue 14, in the app).

``POST /adapters/jobs`` takes the works (images, a caption each holding the keyword) and queues a
training job; ``GET /adapters/jobs/{id}`` says how it stands (queued, running with its step and
loss, done with the adapter id, works root and works URI to register on-chain, or failed with
why); ``GET /adapters/jobs/{id}/samples.png`` shows the base model's renders above the adapted
ones; ``GET /adapters/{adapter_id}/works.json`` publishes the works' tree (the works URI). The jobs
themselves: :mod:`indexer.styles.jobs`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Coroutine
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, File, Form, HTTPException, Path, Request, UploadFile
from fastapi.responses import JSONResponse, Response
from pydantic import Field

from generator.adapters import AdapterNotFoundError, find_adapter
from indexer.api.deps import SessionRoute, public_base
from indexer.api.media import PNG_RESPONSES
from indexer.api.schemas import Hex32, Schema
from indexer.styles.jobs import (
    AdapterJobs,
    Job,
    JobRefused,
    TrainingUnavailable,
    Upload,
    UploadTooLarge,
)

JobIdPath = Annotated[
    str, Path(pattern=r"^[0-9a-f]{16}$", description="The job id POST /adapters/jobs answered.")
]
AdapterIdPath = Annotated[
    str, Path(pattern=r"^(0x)?[0-9a-fA-F]{64}$", description="An adapter id (64 hex digits).")
]


class UploadRoute(SessionRoute):
    """A route whose body is refused unread when over ``api_adapter_max_upload_bytes`` (413), or
    when it does not say its length (411): a multipart body is otherwise spooled in full before
    any check can run."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def checked(request: Request) -> Response:
            limit = request.app.state.settings.api_adapter_max_upload_bytes
            length = request.headers.get("content-length", "")
            if not length.isdigit():
                return JSONResponse({"detail": "send the upload with a Content-Length"}, 411)
            if int(length) > limit:
                return JSONResponse(
                    {"detail": f"the upload is {int(length):,} bytes; at most {limit:,} here"}, 413
                )
            return await handler(request)

        return checked


router = APIRouter(prefix="/adapters", tags=["adapters"], route_class=SessionRoute)


class AdapterJobOut(Schema):
    job_id: str
    status: Literal["queued", "running", "done", "failed"] = Field(
        description="queued (waiting for the one training slot), running, done or failed."
    )
    keyword: str = Field(description="The keyword the adapter learns (the style's keyword).")
    works: int = Field(description="How many works it trains on.")
    works_root: Hex32 = Field(
        description="StandardMerkleTree root (leaf encoding bytes32) of the works' sha256: the "
        "worksRoot to register."
    )
    base_model_id: Hex32 = Field(description="The model the adapter is trained on.")
    step: int = Field(description="Optimiser steps done.")
    steps: int = Field(description="Optimiser steps in all.")
    loss: float | None = Field(description="The last step's training loss.")
    queued_ahead: int = Field(description="Jobs that train before this one (0 once it runs).")
    error: str | None = Field(description="Why it failed.")
    adapter_id: Hex32 | None = Field(description="Once done: the adapterId to register.")
    works_uri: str | None = Field(description="Once done: the worksUri to register.")
    samples: str | None = Field(
        description="Once done: a PNG, the base model's renders (top) and the adapter's (bottom)."
    )
    train_s: float | None = Field(description="Once done: seconds the training took.")
    created_at: float
    started_at: float | None
    finished_at: float | None


def get_jobs(request: Request) -> AdapterJobs:
    return request.app.state.adapter_jobs


JobsDep = Annotated[AdapterJobs, Depends(get_jobs)]


def _job_out(job: Job, jobs: AdapterJobs, base: str) -> AdapterJobOut:
    done = job.status == "done"
    return AdapterJobOut(
        job_id=job.job_id,
        status=job.status,
        keyword=job.keyword,
        works=job.works,
        works_root=job.works_root,
        base_model_id="0x" + job.base_model_id,
        step=job.step,
        steps=job.steps,
        loss=job.loss,
        queued_ahead=jobs.ahead_of(job.job_id),
        error=job.error,
        adapter_id=f"0x{job.adapter_id}" if done else None,
        works_uri=f"{base}/adapters/0x{job.adapter_id}/works.json" if done else None,
        samples=f"{base}/adapters/jobs/{job.job_id}/samples.png" if done else None,
        train_s=job.train_s,
        created_at=job.created_at,
        started_at=job.started_at,
        finished_at=job.finished_at,
    )


def _job(jobs: AdapterJobs, job_id: str) -> Job:
    job = jobs.get(job_id)
    if job is None:
        raise HTTPException(404, f"no adapter-training job {job_id} on this server")
    return job


def create_job(
    request: Request,
    response: Response,
    jobs: JobsDep,
    keyword: Annotated[str, Form(description="The style's keyword the adapter learns.")],
    works: Annotated[list[UploadFile], File(description="The works: PNG, JPEG or WebP images.")],
    captions: Annotated[
        list[str],
        Form(description="One caption per work, in the same order, each holding the keyword."),
    ],
) -> AdapterJobOut:
    """Queue the training of a style adapter on the works (one job trains at a time). Every
    caption must hold the keyword as a word (docs/words.md) and fit the base model's text
    encoder; the answer is the job (202), to poll at its ``Location``."""
    if len(captions) != len(works):
        raise HTTPException(422, f"{len(works)} works but {len(captions)} captions: one each")
    uploads = [
        Upload(w.filename or "work", w.file.read(), c) for w, c in zip(works, captions, strict=True)
    ]
    try:
        job = jobs.submit(keyword, uploads)
    except UploadTooLarge as exc:
        raise HTTPException(413, str(exc)) from exc
    except JobRefused as exc:
        raise HTTPException(422, str(exc)) from exc
    except TrainingUnavailable as exc:
        raise HTTPException(503, str(exc)) from exc
    response.headers["Location"] = f"/adapters/jobs/{job.job_id}"
    return _job_out(job, jobs, public_base(request))


router.add_api_route(
    "/jobs",
    create_job,
    methods=["POST"],
    status_code=202,
    response_model=AdapterJobOut,
    route_class_override=UploadRoute,
    responses={
        411: {"description": "No Content-Length."},
        413: {"description": "A work, or the whole upload, over this server's limit."},
        422: {"description": "Works that cannot be trained on (the message says which, why)."},
        503: {"description": "This server trains no adapters, or its queue is full for now."},
    },
)


@router.get("/jobs/{job_id}", response_model=AdapterJobOut, responses={404: {}})
def get_job(job_id: JobIdPath, jobs: JobsDep, request: Request) -> AdapterJobOut:
    """How the job stands: its step and loss while it trains; once done, what to register."""
    return _job_out(_job(jobs, job_id), jobs, public_base(request))


@router.get(
    "/jobs/{job_id}/samples.png", response_class=Response, responses={**PNG_RESPONSES, 404: {}}
)
def job_samples(job_id: JobIdPath, jobs: JobsDep) -> Response:
    """Sample renders: each prompt by the base model (top row) and with the adapter (bottom)."""
    job = _job(jobs, job_id)
    path = jobs.samples(job_id)
    if job.status != "done" or not path.is_file():
        raise HTTPException(404, f"job {job_id} is {job.status}: samples come when it is done")
    return Response(
        path.read_bytes(), media_type="image/png", headers={"Cache-Control": "no-cache"}
    )


@router.get("/{adapter_id}/works.json", responses={404: {}})
def adapter_works(adapter_id: AdapterIdPath) -> JSONResponse:
    """The adapter's consented works: the ``@openzeppelin/merkle-tree`` ``StandardMerkleTree``
    dump of their sha256 (leaf encoding bytes32), whose root is the style's worksRoot."""
    wanted = adapter_id.removeprefix("0x").lower()
    try:
        dump = json.loads((find_adapter(wanted) / "works.json").read_text())
    except (AdapterNotFoundError, OSError, ValueError) as exc:
        raise HTTPException(404, f"no works list for adapter 0x{wanted} here") from exc
    return JSONResponse(dump, headers={"Cache-Control": "no-cache"})
