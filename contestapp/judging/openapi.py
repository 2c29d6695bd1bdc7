"""The OpenAPI 3 document of /api/v1 (a test checks it is valid and that every /api/v1 route is in it)."""
from __future__ import annotations

from typing import Any


def _err(description: str) -> dict[str, Any]:
    return {"description": description,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}


ERRORS = {
    "400": _err("请求格式错误 / CSRF 校验失败 / 缺少 Idempotency-Key"),
    "401": _err("未登录或登录卡已失效"),
    "403": _err("无权访问（非裁判、未分配或已回避）"),
    "404": _err("评分表不存在（或属于其他裁判）"),
}
REQUESTED = {"description": "已提交裁判长审批", "content": {"application/json": {"schema": {
    "type": "object", "properties": {"requested": {"type": "boolean"}, "request_id": {"type": "integer"},
                                     "sheet_id": {"type": "integer"}, "kind": {"type": "string"},
                                     "status": {"type": "string"}, "message": {"type": "string"}}}}}}
SHEET_ID = {"name": "sheet_id", "in": "path", "required": True,
            "schema": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}}
CSRF = {"name": "X-CSRFToken", "in": "header", "required": True, "schema": {"type": "string"},
        "description": "页面 <meta name=\"csrf-token\"> 中的令牌（会话 Cookie 认证的写操作均须携带）"}
DEVICE = {"name": "X-Device-Id", "in": "header", "required": False, "schema": {"type": "string"},
          "description": "平板的设备标识，写入审计日志"}
JSON_REF = lambda name: {"application/json": {"schema": {"$ref": f"#/components/schemas/{name}"}}}  # noqa: E731

DECIMAL = {"type": "string", "pattern": r"^-?\d+(\.\d{1,4})?$", "description": "十进制数（字符串，避免浮点误差）"}


def document() -> dict[str, Any]:
    return {
        "openapi": "3.0.3",
        "info": {"title": "contestapp 评分 API", "version": "1.0.0",
                 "description": "裁判平板评分接口。裁判只看到加密号，看不到参赛者姓名、单位、身份证号和电话。"
                                "错误统一为 {error: {code, message, detail?}}：message 及 detail 中的说明按请求的语言（默认中文）。"},
        "servers": [{"url": "/"}],
        "components": {
            "securitySchemes": {"session": {"type": "apiKey", "in": "cookie", "name": "session"}},
            "schemas": {
                "Error": {"type": "object", "required": ["error"], "properties": {"error": {
                    "type": "object", "required": ["code", "message"], "properties": {
                        "code": {"type": "string"}, "message": {"type": "string"}, "detail": {}}}}},
                "Criterion": {"type": "object", "required": ["id", "code", "name", "kind", "max", "min"],
                              "properties": {
                                  "id": {"type": "integer"}, "code": {"type": "string"}, "name": {"type": "string"},
                                  "kind": {"type": "string", "enum": ["measurement", "judgement", "deduction",
                                                                     "bonus", "time", "veto"]},
                                  "max": DECIMAL, "min": DECIMAL, "step": {**DECIMAL, "nullable": True},
                                  "deduction_per": {**DECIMAL, "nullable": True},
                                  "choices": {"type": "array", "items": {"type": "object", "properties": {
                                      "label": {"type": "string"}, "value": DECIMAL}}},
                                  "note_required": {"type": "boolean",
                                                    "description": "考评类（merit/points）竞赛：非零分值须填写原因"},
                                  "document_required": {"type": "boolean",
                                                        "description": "非零分值还须填写通报文号（通报表扬/批评）"}}},
                "Note": {"type": "object", "properties": {
                    "note": {"type": "string", "maxLength": 500},
                    "document_no": {"type": "string", "maxLength": 100, "nullable": True}}},
                "SheetSummary": {"type": "object", "required": ["id", "code", "status", "version"], "properties": {
                    "id": {"type": "integer"}, "code": {"type": "string", "description": "加密号"},
                    "round_id": {"type": "integer"},
                    "status": {"type": "string", "enum": ["not_started", "draft", "submitted", "returned"]},
                    "version": {"type": "integer"}, "returned_reason": {"type": "string", "nullable": True},
                    "filled": {"type": "integer"}, "required": {"type": "integer"}, "total": DECIMAL,
                    "submitted_at": {"type": "string", "format": "date-time", "nullable": True},
                    "marks": {"type": "object", "additionalProperties": DECIMAL,
                              "description": "评分项 id → 分值"},
                    "notes": {"type": "object", "additionalProperties": {"$ref": "#/components/schemas/Note"},
                              "description": "评分项 id → 原因及文号；仅考评类（merit/points）竞赛"}}},
                "Sheet": {"allOf": [{"$ref": "#/components/schemas/SheetSummary"}, {"type": "object", "properties": {
                    "criteria": {"type": "array", "items": {"$ref": "#/components/schemas/Criterion"}},
                    "confirmed": {"type": "boolean"},
                    "notes": {"type": "object", "additionalProperties": {"$ref": "#/components/schemas/Note"},
                              "description": "评分项 id → 扣分（加分、否决）原因及文号；仅考评类竞赛"}}}]},
                "Assignments": {"type": "object", "properties": {
                    "judge": {"type": "object", "properties": {"id": {"type": "integer"}, "name": {"type": "string"}}},
                    "rounds": {"type": "array", "items": {"type": "object", "properties": {
                        "round_id": {"type": "integer"}, "round": {"type": "string"}, "event": {"type": "string"},
                        "contest": {"type": "string"}, "confirmed": {"type": "boolean"},
                        "criteria": {"type": "array", "items": {"$ref": "#/components/schemas/Criterion"}},
                        "sheets": {"type": "array", "items": {"$ref": "#/components/schemas/SheetSummary"}}}}}}},
                "MarksRequest": {"type": "object", "required": ["version", "marks"], "properties": {
                    "version": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1,
                                "description": "平板所依据的评分表版本；不是当前版本则 409 stale"},
                    "marks": {"type": "array", "minItems": 1, "items": {
                        "type": "object", "required": ["criterion_id", "value"], "properties": {
                            "criterion_id": {"type": "integer"},
                            "value": {"oneOf": [DECIMAL, {"type": "number"}]},
                            "note": {"type": "string", "maxLength": 500,
                                     "description": "考评类（merit/points）竞赛：扣分、加分或否决的原因，与评分同一事务"
                                                    "保存并记入审计；空字符串删除原因；不传则保留原有原因。"
                                                    "其他竞赛忽略此字段"},
                            "document_no": {"type": "string", "maxLength": 100,
                                            "description": "通报文号（同上，仅考评类竞赛；其他竞赛忽略）"}}}}}},
                "MarksResult": {"type": "object", "required": ["id", "version", "status", "marks"], "properties": {
                    "id": {"type": "integer"}, "version": {"type": "integer"}, "status": {"type": "string"},
                    "marks": {"type": "object", "additionalProperties": DECIMAL}, "total": DECIMAL,
                    "notes": {"type": "object", "additionalProperties": {"$ref": "#/components/schemas/Note"},
                              "description": "考评类竞赛且请求带有原因时：评分项 id → 保存后的原因及文号"},
                    "replayed": {"type": "boolean", "description": "true：同一 Idempotency-Key 的重复请求，返回首次结果"}}},
                "SubmitRequest": {"type": "object", "required": ["version", "confirm"], "properties": {
                    "version": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1},
                    "confirm": {"type": "boolean", "enum": [True]}}},
                "RecusalRequest": {"type": "object", "required": ["reason"], "properties": {
                    "reason": {"type": "string", "minLength": 1, "maxLength": 500}}},
            },
        },
        "security": [{"session": []}],
        "paths": {
            "/api/v1/assignments": {"get": {
                "summary": "当前裁判的评分任务（按加密号列出评分表及状态）", "operationId": "assignments",
                "responses": {"200": {"description": "评分任务", "content": JSON_REF("Assignments")},
                              "401": ERRORS["401"], "403": ERRORS["403"]}}},
            "/api/v1/sheets/{sheet_id}": {"get": {
                "summary": "一张评分表（仅本人的、未回避的）", "operationId": "getSheet", "parameters": [SHEET_ID],
                "responses": {"200": {"description": "评分表", "content": JSON_REF("Sheet")}, **ERRORS}}},
            "/api/v1/sheets/{sheet_id}/marks": {"put": {
                "summary": "保存评分（幂等）", "operationId": "putMarks",
                "description": "同一 Idempotency-Key 的重复请求返回首次结果，不会产生第二条评分；"
                               "version 不是当前版本（评分表已退回、已提交或在别处修改）时返回 409 stale，不覆盖任何内容。",
                "parameters": [SHEET_ID, CSRF, DEVICE,
                               {"name": "Idempotency-Key", "in": "header", "required": True,
                                "schema": {"type": "string", "maxLength": 80}}],
                "requestBody": {"required": True, "content": JSON_REF("MarksRequest")},
                "responses": {"200": {"description": "已保存", "content": JSON_REF("MarksResult")}, **ERRORS,
                              "409": _err("stale（detail.sheet 为服务器上的当前评分表）或本轮已确认"),
                              "422": _err("评分无效（超出范围、不符合步长或档次）、原因或文号过长（invalid_note）"
                                           "或 Idempotency-Key 已用于另一请求")}}},
            "/api/v1/sheets/{sheet_id}/submit": {"post": {
                "summary": "签名提交并锁定评分表", "operationId": "submitSheet", "parameters": [SHEET_ID, CSRF, DEVICE],
                "requestBody": {"required": True, "content": JSON_REF("SubmitRequest")},
                "responses": {"200": {"description": "已提交", "content": JSON_REF("Sheet")}, **ERRORS,
                              "409": _err("版本已变化或本轮已确认"),
                              "422": _err("尚有评分项未评分（incomplete），或考评类竞赛中有扣分、加分、否决未填写原因"
                                          "或通报文号（notes_required），评分表不变")}}},
            "/api/v1/sheets/{sheet_id}/recusal": {"post": {
                "summary": "声明回避（须填理由）；已提交的评分表改为提交裁判长审批", "operationId": "declareRecusal",
                "parameters": [SHEET_ID, CSRF],
                "requestBody": {"required": True, "content": JSON_REF("RecusalRequest")},
                "responses": {"200": {"description": "已回避", "content": {"application/json": {"schema": {
                    "type": "object", "properties": {"recused": {"type": "boolean"},
                                                     "sheet_id": {"type": "integer"}}}}}},
                    "202": REQUESTED, **ERRORS, "422": _err("缺少理由、理由过长或含控制字符")}}},
            "/api/v1/sheets/{sheet_id}/withdrawal": {"post": {
                "summary": "申请撤回已提交的评分表（裁判长批准后退回本人，批准前评分不变）", "operationId": "requestWithdrawal",
                "parameters": [SHEET_ID, CSRF],
                "requestBody": {"required": True, "content": JSON_REF("RecusalRequest")},
                "responses": {"202": REQUESTED, **ERRORS, "409": _err("评分表未提交，或本轮已确认"),
                              "422": _err("缺少理由、理由过长或含控制字符")}}},
            "/api/v1/openapi.json": {"get": {
                "summary": "本文档", "operationId": "openapi", "security": [],
                "responses": {"200": {"description": "OpenAPI 3 文档",
                                      "content": {"application/json": {"schema": {"type": "object"}}}}}}},
        },
    }
