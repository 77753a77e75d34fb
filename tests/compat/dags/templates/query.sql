SELECT * FROM events WHERE day = '{{ ds }}' AND team = '{{ team }}' -- {{ params.limit }}
