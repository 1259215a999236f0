{#- Models land in the schema their folder names (staging, intermediate, marts), not in
    "<target>_<folder>": the warehouse has one user, and analysts query marts.fundamental_scores. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {{ custom_schema_name if custom_schema_name is not none else target.schema }}
{%- endmacro %}
