import time
from django.db import connection
from reprostore.query.packets import select_packets
from reprostore.packets.models import Packet
def test_dbg(example):
    for n in (100, 500):
        query = " || ".join(f'parameter:disease == "D{i}"' for i in range(n)) + ' || name == "x"'
        t = time.perf_counter()
        qs = select_packets(Packet.objects.all(), query)
        print("build", time.perf_counter() - t)
        sql, params = qs.query.sql_with_params()
        with connection.cursor() as c:
            t = time.perf_counter(); c.execute("EXPLAIN (ANALYZE, SUMMARY) " + sql, params); rows = c.fetchall()
            print(n, time.perf_counter() - t, rows[-3:], len(rows), sql.count("EXISTS"))
