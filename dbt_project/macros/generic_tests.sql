{#- dbt_utils is unreachable from our machines (no package hub), so the few generic tests we
    need live here. -#}

{% test accepted_range(model, column_name, min_value=none, max_value=none, inclusive=true) %}
select *
from {{ model }}
where {{ column_name }} is not null
  and (
    {%- if min_value is not none %} {{ column_name }} {{ '<' if inclusive else '<=' }} {{ min_value }}{% endif %}
    {%- if min_value is not none and max_value is not none %} or{% endif %}
    {%- if max_value is not none %} {{ column_name }} {{ '>' if inclusive else '>=' }} {{ max_value }}{% endif %}
  )
{% endtest %}

{% test unique_combination(model, combination) %}
select {{ combination | join(', ') }}, count(*) as n
from {{ model }}
group by all
having count(*) > 1
{% endtest %}

{#- Every row must be knowable no earlier than the time it claims to depend on. -#}
{% test not_before(model, column_name, reference) %}
select *
from {{ model }}
where {{ column_name }} < {{ reference }}
{% endtest %}

{#- A column is NULL exactly when the listed inputs are incomplete (never a guess). -#}
{% test null_when(model, column_name, condition) %}
select *
from {{ model }}
where ({{ condition }}) and {{ column_name }} is not null
{% endtest %}
