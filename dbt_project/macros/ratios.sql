{#- NULL instead of a division by zero or by NULL: a ratio without a denominator is unknown. -#}
{% macro ratio(numerator, denominator) -%}
    ({{ numerator }}) / nullif({{ denominator }}, 0)
{%- endmacro %}

{#- Clamp x to [0, 1]; NULL stays NULL (DuckDB's least/greatest skip NULLs, so a bare
    least(greatest(NULL, 0), 1) would turn "unknown" into 0). -#}
{% macro unit_clamp(x) -%}
    case when ({{ x }}) is not null then least(greatest({{ x }}, 0.0), 1.0) end
{%- endmacro %}

{#- 1 when the condition holds, 0 when it does not, NULL when it cannot be decided. -#}
{% macro flag(condition) -%}
    cast({{ condition }} as integer)
{%- endmacro %}

{#- Mean of the expressions that are not NULL; NULL when all are. -#}
{% macro mean_of(expressions) -%}
    (({% for e in expressions %}coalesce({{ e }}, 0){{ ' + ' if not loop.last }}{% endfor %})
     / nullif({% for e in expressions %}cast({{ e }} is not null as integer){{ ' + ' if not loop.last }}{% endfor %}, 0))
{%- endmacro %}

{#- Weighted mean of (expression, weight) pairs over the expressions that are not NULL. -#}
{% macro weighted_mean_of(pairs) -%}
    (({% for e, w in pairs %}coalesce({{ e }}, 0) * {{ w }}{{ ' + ' if not loop.last }}{% endfor %})
     / nullif({% for e, w in pairs %}cast({{ e }} is not null as integer) * {{ w }}{{ ' + ' if not loop.last }}{% endfor %}, 0))
{%- endmacro %}

{#- Count of the expressions that are not NULL. -#}
{% macro count_known(expressions) -%}
    ({% for e in expressions %}cast({{ e }} is not null as integer){{ ' + ' if not loop.last }}{% endfor %})
{%- endmacro %}
