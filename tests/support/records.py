"""Record documents shaped exactly as sumatra 0.8.1's `record2dict` writes them."""

import json


def record_document(label: str = "20240506-070809", **changes) -> dict:
    document = {
        "label": label,
        "timestamp": "2024-05-06 07:08:09+0000",
        "reason": "test the store",
        "duration": 1.25,
        "executable": {
            "path": "/usr/bin/python3",
            "version": "3.11.7",
            "name": "Python",
            "options": "",
        },
        "repository": {"url": "/home/ann/sim", "type": "GitRepository", "upstream": None},
        "main_file": "main.py",
        "version": "6b1f0c1c2ee3a6e3d8cfd1fb0c4f2ee1a1f3b0a9",
        "parameters": {
            "type": "SimpleParameterSet",
            "content": 'a = 2\nname = "ring"\nfast = True',
        },
        "input_data": [],
        "script_arguments": "<parameters>",
        "launch_mode": {
            "type": "SerialLaunchMode",
            "parameters": {"working_directory": "/home/ann/sim", "options": None},
        },
        "datastore": {"type": "FileSystemDataStore", "parameters": {"root": "/home/ann/sim/Data"}},
        "input_datastore": {"type": "FileSystemDataStore", "parameters": {"root": "/"}},
        "outcome": "",
        "stdout_stderr": "done\n",
        "output_data": [
            {
                "path": f"{label}/out.dat",
                "digest": "43a47cb379df2a7008fdeb38c6172278d000fdc4",
                "metadata": {"mimetype": None, "encoding": None, "size": 2500},
                "creation": "2024-05-06 07:08:10+0000",
            }
        ],
        "tags": ["_finished_"],
        "diff": "",
        "user": "Ann Example <ann@example.org>",
        "dependencies": [
            {
                "name": "numpy",
                "path": "/usr/lib/python3/dist-packages/numpy",
                "version": "1.26.4",
                "module": "python",
                "diff": "",
                "source": None,
            }
        ],
        "platforms": [
            {
                "system_name": "Linux",
                "ip_addr": "127.0.0.1",
                "architecture_bits": "64bit",
                "machine": "x86_64",
                "architecture_linkage": "ELF",
                "version": "#1 SMP",
                "release": "6.1.0",
                "network_name": "node1",
                "processor": "x86_64",
            }
        ],
        "repeats": None,
    }
    document.update(changes)
    return document


def record_body(label: str = "20240506-070809", **changes) -> bytes:
    return json.dumps(record_document(label, **changes)).encode()
