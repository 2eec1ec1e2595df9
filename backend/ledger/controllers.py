"""The public ledger API: tree heads, entries in tree order, and proofs. No login needed."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from pydantic import BaseModel, Field

from backend.accounts.guards import require_roles, user_of
from backend.accounts.tables import Role
from backend.ledger import service, witnesses
from backend.ledger.keys import public_key_document
from backend.ledger.sealing import seal


class WitnessCreate(BaseModel):
    name: str = Field(title="见证方名称", min_length=1, max_length=100)
    public_key: str = Field(title="见证方 Ed25519 公钥（base64）", min_length=1, max_length=100)


#: Entries per download request; the open-data file of a large ledger comes in pages.
MAX_PAGE = 100_000


#: Tree heads per page of ``GET /tree-heads``.
MAX_HEADS_PAGE = 1000


class TreeHeadPage(BaseModel):
    """A page of signed tree heads (each as ``GET /tree-heads/{size}`` gives it)."""

    tree_heads: list[dict[str, Any]]
    next_after: int | None = Field(description="下一页的 after 参数；没有下一页时为 null")


class LedgerApiController(Controller):
    path = "/api/v1/ledger"
    tags = ["公开账本"]

    @get(
        "/public-key",
        summary="树头签名公钥（Ed25519）",
        description="顶层为当前签名密钥（与轮换前的格式相同）；keys 列出每一把密钥及其有效期，"
        "旧树头按其 key_id 选用对应密钥验证。",
    )
    async def public_key(self) -> dict[str, Any]:
        return public_key_document()

    @get("/keys", summary="全部签名密钥及其有效期")
    async def keys(self) -> dict[str, Any]:
        return {"keys": public_key_document()["keys"]}

    @get("/witnesses", summary="已登记的见证方")
    async def list_witnesses(self) -> dict[str, Any]:
        return {"witnesses": [w.to_json() for w in await witnesses.witnesses()]}

    @post(
        "/witnesses",
        summary="登记见证方（管理员）",
        guards=[require_roles(Role.admin)],
    )
    async def register_witness(
        self, request: Request[Any, Any, Any], data: JSONBody[WitnessCreate]
    ) -> dict[str, Any]:
        view = await witnesses.register(user_of(request).username, data.name, data.public_key)
        return view.to_json()

    @post("/cosignatures", summary="提交见证方联署（由见证方签名，无需登录）")
    async def cosign(self, data: JSONBody[dict[str, Any]]) -> dict[str, Any]:
        return await witnesses.accept(data)

    @get("/cosignatures", summary="树头的见证方联署（默认最新树头）")
    async def cosignatures(self, tree_size: FromQuery[int | None] = None) -> dict[str, Any]:
        return await witnesses.cosignatures_of(tree_size)

    @get("/tree-head", summary="最新签名树头")
    async def latest(self) -> dict[str, Any]:
        head = await service.latest_tree_head()
        if head is None:
            raise service.NoTreeHead()
        return head.to_json()

    @get(
        "/tree-heads",
        summary="签名树头列表（按大小递增，分页）",
        description="返回大小大于 after 的树头，每个大小一个，至多 limit 个；"
        "next_after 为下一页的 after（没有下一页时为 null）。",
    )
    async def heads(
        self,
        after: Annotated[int, QueryParameter(ge=0, le=2**62)] = 0,
        limit: Annotated[int, QueryParameter(ge=1, le=MAX_HEADS_PAGE)] = 100,
    ) -> TreeHeadPage:
        heads = await service.tree_heads_page(after, limit)
        last = heads[-1].tree_size if len(heads) == limit else None
        return TreeHeadPage(tree_heads=[head.to_json() for head in heads], next_after=last)

    @get("/tree-heads/{tree_size:int}", summary="指定大小的签名树头")
    async def of_size(self, tree_size: FromPath[int]) -> dict[str, Any]:
        return (await service.tree_head_of_size(tree_size)).to_json()

    @post(
        "/tree-heads",
        summary="立即签发树头（工作人员、审计、管理员）",
        guards=[require_roles(Role.staff, Role.reviewer, Role.auditor, Role.admin)],
    )
    async def issue(self) -> dict[str, Any]:
        return (await seal()).to_json()

    @get(
        "/entries",
        summary="账本条目（按树中顺序，每行一条规范 JSON）",
        description="start 起、end 止（不含）；每次至多 100000 条，响应头 X-Ledger-End 为本页止点。"
        "每行即叶子数据，"
        "叶子哈希 = SHA-256(0x00 || 该行字节)。",
        media_type="application/x-ndjson",
    )
    async def entries(
        self, start: FromQuery[int] = 0, end: FromQuery[int | None] = None
    ) -> Response[bytes]:
        size = await service.sealed_size()
        # At most one page from ``start``; X-Ledger-End says where the next page begins.
        stop = min(size, start + MAX_PAGE, size if end is None else end)
        if start < 0 or stop < start:
            raise service.TreeSizeInvalid("start/end 不正确")
        lines = await service.entries_page(start, stop)
        body = "".join(f"{line}\n" for line in lines).encode()
        return Response(
            body,
            media_type="application/x-ndjson",
            headers={"X-Ledger-Start": str(start), "X-Ledger-End": str(stop)},
        )

    @get("/entries/{entry_id:str}", summary="单个账本条目")
    async def entry(self, entry_id: FromPath[str]) -> dict[str, Any]:
        index, leaf, body = await service.entry_position(entry_id)
        return {"entry_id": entry_id, "entry": body, "leaf_index": index, "leaf_hash": leaf.hex()}

    @get("/proofs/inclusion/{entry_id:str}", summary="条目包含证明")
    async def inclusion(
        self, entry_id: FromPath[str], tree_size: FromQuery[int | None] = None
    ) -> dict[str, Any]:
        return await service.inclusion_proof(entry_id, tree_size)

    @get("/proofs/consistency", summary="两个树头之间的一致性证明")
    async def consistency(self, first: FromQuery[int], second: FromQuery[int]) -> dict[str, Any]:
        return await service.consistency(first, second)
