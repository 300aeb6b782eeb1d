import assert from "node:assert/strict";
import { parseSqlQuery } from "../../lib/registry/sql_query.ts";

function paramsOf(query: string): string[] | string {
  const parsed = parseSqlQuery(query);
  return typeof parsed === "string" ? parsed : parsed.params;
}

Deno.test("parseSqlQuery() splits the query at each :name, in order, repeats included", () => {
  assert.deepEqual(parseSqlQuery("select * from t where a = :a and b in (:b, :a)"), {
    text: ["select * from t where a = ", " and b in (", ", ", ")"],
    params: ["a", "b", "a"],
  });
});

Deno.test("parseSqlQuery() ignores :: casts, := and names glued to a word", () => {
  assert.deepEqual(paramsOf("select :n::int, x::text, now()::date"), ["n"]);
  assert.deepEqual(paramsOf("set @x := 1; select arr[1:2], a:b"), []);
});

Deno.test("parseSqlQuery() ignores text in quotes, dollar quotes and comments", () => {
  const query = `select ':no', 'it''s :no', "col:no", \`tick:no\`, E'a\\' :no', $$ :no $$,
    $tag$ :no $tag$ -- :no
    /* :no /* nested :no */ :no */ :yes`;
  assert.deepEqual(paramsOf(query), ["yes"]);
});

Deno.test("parseSqlQuery() reports unterminated quotes and positional parameters", () => {
  assert.equal(paramsOf("select 'open"), "unterminated quoted text starting with '");
  assert.equal(paramsOf("select /* open"), "unterminated /* comment");
  assert.equal(paramsOf("select $x$ open"), "unterminated dollar-quoted string $x$");
  assert.equal(
    paramsOf("select $1"),
    'positional parameter "$1" is not allowed: use :name placeholders',
  );
});
