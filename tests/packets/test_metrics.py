"""GET /outpack/metrics."""


def test_metrics_count_the_store_and_requests(client, example):
    client.get("/outpack/")
    response = client.get("/outpack/metrics")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; version=0.0.4"
    text = response.content.decode()
    lines = set(text.splitlines())
    assert "outpack_server_metadata_total 4" in lines
    assert "outpack_server_packets_total 1" in lines
    assert "outpack_server_files_total 1" in lines
    assert "outpack_server_file_size_bytes_total 115" in lines
    assert 'http_requests_total{endpoint="/",method="GET",status="200"}' in text
    assert (
        'http_requests_duration_seconds_bucket{endpoint="/",method="GET",status="200",le="+Inf"}'
        in text
    )
    assert "outpack_server_build_info{" in text
