{
 "patcher": {
  "fileversion": 1,
  "appversion": {
   "major": 9,
   "minor": 0,
   "revision": 0,
   "architecture": "x64",
   "modernui": 1
  },
  "classnamespace": "box",
  "rect": [
   80,
   80,
   1100,
   720
  ],
  "openrect": [
   0,
   0,
   320,
   147
  ],
  "openinpresentation": 1,
  "devicewidth": 320.0,
  "default_fontsize": 10.0,
  "default_fontname": "Arial",
  "description": "Segue Transform: Shift, Morph and Vary the selected notes with a MusicVAE (a MIDI Tool; needs Live 12.2+ / Max 9 and the Segue engine)",
  "parameters": {
   "obj-12": [
    "Instance",
    "Instance",
    0
   ],
   "obj-18": [
    "Mode",
    "Mode",
    0
   ],
   "obj-21": [
    "Seed",
    "Seed",
    0
   ],
   "obj-23": [
    "Density",
    "Density",
    0
   ],
   "obj-25": [
    "Diatonic",
    "Diatonic",
    0
   ],
   "obj-27": [
    "Interval",
    "Interval",
    0
   ],
   "obj-29": [
    "Sync 16th",
    "Sync16",
    0
   ],
   "obj-31": [
    "Sync 8th",
    "Sync8",
    0
   ],
   "obj-33": [
    "Amount",
    "Amount",
    0
   ],
   "obj-35": [
    "Temperature",
    "Temp",
    0
   ],
   "obj-41": [
    "Target Track",
    "Target Trk",
    0
   ],
   "obj-44": [
    "Target Scene",
    "Target Scn",
    0
   ]
  },
  "dependency_cache": [],
  "latency": 0,
  "is_mpe": 0,
  "minimum_live_version": "12.2",
  "platform_compatibility": 0,
  "autosave": 0,
  "boxes": [
   {
    "box": {
     "id": "obj-1",
     "maxclass": "newobj",
     "text": "v8 segue_tool.js transform @embed 1",
     "numinlets": 2,
     "numoutlets": 10,
     "outlettype": [
      "",
      "",
      "",
      "",
      "",
      "",
      "",
      "",
      "",
      ""
     ],
     "patching_rect": [
      300,
      420,
      560,
      22
     ],
     "saved_object_attributes": {
      "embed": 1,
      "parameter_enable": 0
     }
    }
   },
   {
    "box": {
     "id": "obj-2",
     "maxclass": "newobj",
     "text": "live.thisdevice",
     "numinlets": 1,
     "numoutlets": 3,
     "outlettype": [
      "bang",
      "int",
      "int"
     ],
     "patching_rect": [
      20,
      20,
      100,
      22
     ]
    }
   },
   {
    "box": {
     "id": "obj-3",
     "maxclass": "newobj",
     "text": "qmetro 100 @active 1",
     "numinlets": 2,
     "numoutlets": 1,
     "outlettype": [
      "bang"
     ],
     "patching_rect": [
      140,
      20,
      120,
      22
     ]
    }
   },
   {
    "box": {
     "id": "obj-4",
     "maxclass": "message",
     "text": "tick",
     "numinlets": 2,
     "numoutlets": 1,
     "outlettype": [
      ""
     ],
     "patching_rect": [
      140,
      50,
      40,
      22
     ]
    }
   },
   {
    "box": {
     "id": "obj-5",
     "maxclass": "newobj",
     "text": "live.miditool.in",
     "numinlets": 1,
     "numoutlets": 3,
     "outlettype": [
      "",
      "",
      ""
     ],
     "patching_rect": [
      300,
      320,
      110,
      22
     ]
    }
   },
   {
    "box": {
     "id": "obj-6",
     "maxclass": "newobj",
     "text": "live.miditool.out",
     "numinlets": 1,
     "numoutlets": 0,
     "patching_rect": [
      300,
      480,
      110,
      22
     ]
    }
   },
   {
    "box": {
     "id": "obj-7",
     "maxclass": "newobj",
     "text": "udpsend 127.0.0.1 9797",
     "numinlets": 1,
     "numoutlets": 0,
     "patching_rect": [
      420,
      480,
      150,
      22
     ]
    }
   },
   {
    "box": {
     "id": "obj-8",
     "maxclass": "newobj",
     "text": "udpreceive 0 @defer 1",
     "numinlets": 1,
     "numoutlets": 1,
     "outlettype": [
      ""
     ],
     "patching_rect": [
      520,
      20,
      130,
      22
     ]
    }
   },
   {
    "box": {
     "id": "obj-9",
     "maxclass": "newobj",
     "text": "udpsend 127.0.0.1 9800",
     "numinlets": 1,
     "numoutlets": 0,
     "patching_rect": [
      580,
      480,
      150,
      22
     ]
    }
   },
   {
    "box": {
     "id": "obj-10",
     "maxclass": "newobj",
     "text": "deferlow",
     "numinlets": 1,
     "numoutlets": 1,
     "outlettype": [
      ""
     ],
     "patching_rect": [
      740,
      480,
      60,
      22
     ]
    }
   },
   {
    "box": {
     "id": "obj-11",
     "maxclass": "newobj",
     "text": "t b reapplying",
     "numinlets": 1,
     "numoutlets": 2,
     "outlettype": [
      "bang",
      ""
     ],
     "patching_rect": [
      740,
      510,
      100,
      22
     ]
    }
   },
   {
    "box": {
     "id": "obj-12",
     "maxclass": "newobj",
     "text": "pattr instance @parameter_enable 1",
     "numinlets": 1,
     "numoutlets": 3,
     "outlettype": [
      "",
      "",
      ""
     ],
     "patching_rect": [
      860,
      420,
      220,
      22
     ],
     "saved_object_attributes": {
      "parameter_enable": 1,
      "parameter_mappable": 0
     },
     "saved_attribute_attributes": {
      "valueof": {
       "parameter_longname": "Instance",
       "parameter_shortname": "Instance",
       "parameter_type": 3,
       "parameter_invisible": 1,
       "parameter_initial_enable": 0
      }
     },
     "varname": "instance"
    }
   },
   {
    "box": {
     "id": "obj-13",
     "maxclass": "newobj",
     "text": "prepend instance",
     "numinlets": 1,
     "numoutlets": 1,
     "outlettype": [
      ""
     ],
     "patching_rect": [
      860,
      450,
      110,
      22
     ]
    }
   },
   {
    "box": {
     "id": "obj-14",
     "maxclass": "comment",
     "text": "looking for the engine...",
     "numinlets": 1,
     "numoutlets": 0,
     "patching_rect": [
      300,
      560,
      308,
      20
     ],
     "presentation": 1,
     "presentation_rect": [
      6,
      96,
      308,
      14
     ],
     "fontsize": 9.0,
     "varname": "status_0"
    }
   },
   {
    "box": {
     "id": "obj-15",
     "maxclass": "comment",
     "text": " ",
     "numinlets": 1,
     "numoutlets": 0,
     "patching_rect": [
      500,
      560,
      308,
      20
     ],
     "presentation": 1,
     "presentation_rect": [
      6,
      110,
      308,
      14
     ],
     "fontsize": 9.0,
     "varname": "status_1"
    }
   },
   {
    "box": {
     "id": "obj-16",
     "maxclass": "comment",
     "text": " ",
     "numinlets": 1,
     "numoutlets": 0,
     "patching_rect": [
      700,
      560,
      308,
      20
     ],
     "presentation": 1,
     "presentation_rect": [
      6,
      124,
      308,
      14
     ],
     "fontsize": 9.0,
     "varname": "status_2"
    }
   },
   {
    "box": {
     "id": "obj-17",
     "maxclass": "comment",
     "text": "Mode",
     "numinlets": 1,
     "numoutlets": 0,
     "patching_rect": [
      20,
      120,
      60,
      20
     ],
     "presentation": 1,
     "presentation_rect": [
      6,
      4,
      30,
      15
     ],
     "fontsize": 9.0
    }
   },
   {
    "box": {
     "id": "obj-18",
     "maxclass": "live.tab",
     "numinlets": 1,
     "numoutlets": 3,
     "outlettype": [
      "",
      "",
      "float"
     ],
     "patching_rect": [
      20,
      150,
      100,
      16
     ],
     "presentation": 1,
     "presentation_rect": [
      38,
      4,
      150,
      15
     ],
     "saved_attribute_attributes": {
      "valueof": {
       "parameter_longname": "Mode",
       "parameter_shortname": "Mode",
       "parameter_type": 2,
       "parameter_initial_enable": 1,
       "parameter_initial": [
        0
       ],
       "parameter_enum": [
        "Shift",
        "Morph",
        "Vary"
       ],
       "parameter_mmax": 2
      }
     },
     "varname": "mode",
     "parameter_enable": 1,
     "num_lines_patching": 1,
     "num_lines_presentation": 1
    }
   },
   {
    "box": {
     "id": "obj-19",
     "maxclass": "newobj",
     "text": "prepend mode",
     "numinlets": 1,
     "numoutlets": 1,
     "outlettype": [
      ""
     ],
     "patching_rect": [
      20,
      210,
      104,
      22
     ]
    }
   },
   {
    "box": {
     "id": "obj-20",
     "maxclass": "comment",
     "text": "Seed",
     "numinlets": 1,
     "numoutlets": 0,
     "patching_rect": [
      140,
      120,
      60,
      20
     ],
     "presentation": 1,
     "presentation_rect": [
      232,
      4,
      26,
      15
     ],
     "fontsize": 9.0
    }
   },
   {
    "box": {
     "id": "obj-21",
     "maxclass": "live.numbox",
     "numinlets": 1,
     "numoutlets": 2,
     "outlettype": [
      "",
      "float"
     ],
     "patching_rect": [
      140,
      150,
      34,
      15
     ],
     "presentation": 1,
     "presentation_rect": [
      260,
      4,
      48,
      15
     ],
     "saved_attribute_attributes": {
      "valueof": {
       "parameter_longname": "Seed",
       "parameter_shortname": "Seed",
       "parameter_type": 0,
       "parameter_initial_enable": 1,
       "parameter_initial": [
        0.0
       ],
       "parameter_mmin": 0.0,
       "parameter_mmax": 9999.0,
       "parameter_unitstyle": 0
      }
     },
     "varname": "seed",
     "parameter_enable": 1
    }
   },
   {
    "box": {
     "id": "obj-22",
     "maxclass": "newobj",
     "text": "prepend param seed",
     "numinlets": 1,
     "numoutlets": 1,
     "outlettype": [
      ""
     ],
     "patching_rect": [
      140,
      210,
      146,
      22
     ]
    }
   },
   {
    "box": {
     "id": "obj-23",
     "maxclass": "live.dial",
     "numinlets": 1,
     "numoutlets": 2,
     "outlettype": [
      "",
      "float"
     ],
     "patching_rect": [
      20,
      240,
      44,
      48
     ],
     "presentation": 1,
     "presentation_rect": [
      6,
      22,
      44,
      48
     ],
     "saved_attribute_attributes": {
      "valueof": {
       "parameter_longname": "Density",
       "parameter_shortname": "Density",
       "parameter_type": 0,
       "parameter_initial_enable": 1,
       "parameter_initial": [
        0.0
       ],
       "parameter_mmin": -3.0,
       "parameter_mmax": 3.0,
       "parameter_unitstyle": 1
      }
     },
     "varname": "note_density",
     "parameter_enable": 1
    }
   },
   {
    "box": {
     "id": "obj-24",
     "maxclass": "newobj",
     "text": "prepend param note_density",
     "numinlets": 1,
     "numoutlets": 1,
     "outlettype": [
      ""
     ],
     "patching_rect": [
      20,
      300,
      202,
      22
     ]
    }
   },
   {
    "box": {
     "id": "obj-25",
     "maxclass": "live.dial",
     "numinlets": 1,
     "numoutlets": 2,
     "outlettype": [
      "",
      "float"
     ],
     "patching_rect": [
      130,
      240,
      44,
      48
     ],
     "presentation": 1,
     "presentation_rect": [
      50,
      22,
      44,
      48
     ],
     "saved_attribute_attributes": {
      "valueof": {
       "parameter_longname": "Diatonic",
       "parameter_shortname": "Diatonic",
       "parameter_type": 0,
       "parameter_initial_enable": 1,
       "parameter_initial": [
        0.0
       ],
       "parameter_mmin": -3.0,
       "parameter_mmax": 3.0,
       "parameter_unitstyle": 1
      }
     },
     "varname": "c_diatonic",
     "parameter_enable": 1
    }
   },
   {
    "box": {
     "id": "obj-26",
     "maxclass": "newobj",
     "text": "prepend param c_diatonic",
     "numinlets": 1,
     "numoutlets": 1,
     "outlettype": [
      ""
     ],
     "patching_rect": [
      130,
      300,
      188,
      22
     ]
    }
   },
   {
    "box": {
     "id": "obj-27",
     "maxclass": "live.dial",
     "numinlets": 1,
     "numoutlets": 2,
     "outlettype": [
      "",
      "float"
     ],
     "patching_rect": [
      240,
      240,
      44,
      48
     ],
     "presentation": 1,
     "presentation_rect": [
      94,
      22,
      44,
      48
     ],
     "saved_attribute_attributes": {
      "valueof": {
       "parameter_longname": "Interval",
       "parameter_shortname": "Interval",
       "parameter_type": 0,
       "parameter_initial_enable": 1,
       "parameter_initial": [
        0.0
       ],
       "parameter_mmin": -3.0,
       "parameter_mmax": 3.0,
       "parameter_unitstyle": 1
      }
     },
     "varname": "average_interval",
     "parameter_enable": 1
    }
   },
   {
    "box": {
     "id": "obj-28",
     "maxclass": "newobj",
     "text": "prepend param average_interval",
     "numinlets": 1,
     "numoutlets": 1,
     "outlettype": [
      ""
     ],
     "patching_rect": [
      240,
      300,
      230,
      22
     ]
    }
   },
   {
    "box": {
     "id": "obj-29",
     "maxclass": "live.dial",
     "numinlets": 1,
     "numoutlets": 2,
     "outlettype": [
      "",
      "float"
     ],
     "patching_rect": [
      350,
      240,
      44,
      48
     ],
     "presentation": 1,
     "presentation_rect": [
      138,
      22,
      44,
      48
     ],
     "saved_attribute_attributes": {
      "valueof": {
       "parameter_longname": "Sync 16th",
       "parameter_shortname": "Sync16",
       "parameter_type": 0,
       "parameter_initial_enable": 1,
       "parameter_initial": [
        0.0
       ],
       "parameter_mmin": -3.0,
       "parameter_mmax": 3.0,
       "parameter_unitstyle": 1
      }
     },
     "varname": "syncopation_16th",
     "parameter_enable": 1
    }
   },
   {
    "box": {
     "id": "obj-30",
     "maxclass": "newobj",
     "text": "prepend param syncopation_16th",
     "numinlets": 1,
     "numoutlets": 1,
     "outlettype": [
      ""
     ],
     "patching_rect": [
      350,
      300,
      230,
      22
     ]
    }
   },
   {
    "box": {
     "id": "obj-31",
     "maxclass": "live.dial",
     "numinlets": 1,
     "numoutlets": 2,
     "outlettype": [
      "",
      "float"
     ],
     "patching_rect": [
      460,
      240,
      44,
      48
     ],
     "presentation": 1,
     "presentation_rect": [
      182,
      22,
      44,
      48
     ],
     "saved_attribute_attributes": {
      "valueof": {
       "parameter_longname": "Sync 8th",
       "parameter_shortname": "Sync8",
       "parameter_type": 0,
       "parameter_initial_enable": 1,
       "parameter_initial": [
        0.0
       ],
       "parameter_mmin": -3.0,
       "parameter_mmax": 3.0,
       "parameter_unitstyle": 1
      }
     },
     "varname": "syncopation_8th",
     "parameter_enable": 1
    }
   },
   {
    "box": {
     "id": "obj-32",
     "maxclass": "newobj",
     "text": "prepend param syncopation_8th",
     "numinlets": 1,
     "numoutlets": 1,
     "outlettype": [
      ""
     ],
     "patching_rect": [
      460,
      300,
      223,
      22
     ]
    }
   },
   {
    "box": {
     "id": "obj-33",
     "maxclass": "live.dial",
     "numinlets": 1,
     "numoutlets": 2,
     "outlettype": [
      "",
      "float"
     ],
     "patching_rect": [
      570,
      240,
      44,
      48
     ],
     "presentation": 1,
     "presentation_rect": [
      226,
      22,
      44,
      48
     ],
     "saved_attribute_attributes": {
      "valueof": {
       "parameter_longname": "Amount",
       "parameter_shortname": "Amount",
       "parameter_type": 0,
       "parameter_initial_enable": 1,
       "parameter_initial": [
        0.5
       ],
       "parameter_mmin": 0.0,
       "parameter_mmax": 1.0,
       "parameter_unitstyle": 1
      }
     },
     "varname": "amount",
     "parameter_enable": 1
    }
   },
   {
    "box": {
     "id": "obj-34",
     "maxclass": "newobj",
     "text": "prepend param amount",
     "numinlets": 1,
     "numoutlets": 1,
     "outlettype": [
      ""
     ],
     "patching_rect": [
      570,
      300,
      160,
      22
     ]
    }
   },
   {
    "box": {
     "id": "obj-35",
     "maxclass": "live.dial",
     "numinlets": 1,
     "numoutlets": 2,
     "outlettype": [
      "",
      "float"
     ],
     "patching_rect": [
      680,
      240,
      44,
      48
     ],
     "presentation": 1,
     "presentation_rect": [
      270,
      22,
      44,
      48
     ],
     "saved_attribute_attributes": {
      "valueof": {
       "parameter_longname": "Temperature",
       "parameter_shortname": "Temp",
       "parameter_type": 0,
       "parameter_initial_enable": 1,
       "parameter_initial": [
        0.5
       ],
       "parameter_mmin": 0.0,
       "parameter_mmax": 4.0,
       "parameter_unitstyle": 1
      }
     },
     "varname": "temperature",
     "parameter_enable": 1
    }
   },
   {
    "box": {
     "id": "obj-36",
     "maxclass": "newobj",
     "text": "prepend param temperature",
     "numinlets": 1,
     "numoutlets": 1,
     "outlettype": [
      ""
     ],
     "patching_rect": [
      680,
      300,
      195,
      22
     ]
    }
   },
   {
    "box": {
     "id": "obj-37",
     "maxclass": "comment",
     "text": "Target",
     "numinlets": 1,
     "numoutlets": 0,
     "patching_rect": [
      20,
      630,
      60,
      20
     ],
     "presentation": 1,
     "presentation_rect": [
      6,
      74,
      34,
      15
     ],
     "fontsize": 9.0
    }
   },
   {
    "box": {
     "id": "obj-38",
     "maxclass": "umenu",
     "numinlets": 1,
     "numoutlets": 3,
     "outlettype": [
      "int",
      "",
      ""
     ],
     "items": [
      "clip at Track / Scene"
     ],
     "parameter_enable": 0,
     "patching_rect": [
      20,
      660,
      140,
      22
     ],
     "presentation": 1,
     "presentation_rect": [
      42,
      74,
      148,
      15
     ],
     "varname": "target_menu"
    }
   },
   {
    "box": {
     "id": "obj-39",
     "maxclass": "newobj",
     "text": "prepend pick target menu",
     "numinlets": 1,
     "numoutlets": 1,
     "outlettype": [
      ""
     ],
     "patching_rect": [
      20,
      720,
      188,
      22
     ]
    }
   },
   {
    "box": {
     "id": "obj-40",
     "maxclass": "comment",
     "text": "Track",
     "numinlets": 1,
     "numoutlets": 0,
     "patching_rect": [
      170,
      630,
      60,
      20
     ],
     "presentation": 1,
     "presentation_rect": [
      194,
      74,
      28,
      15
     ],
     "fontsize": 9.0
    }
   },
   {
    "box": {
     "id": "obj-41",
     "maxclass": "live.numbox",
     "numinlets": 1,
     "numoutlets": 2,
     "outlettype": [
      "",
      "float"
     ],
     "patching_rect": [
      170,
      660,
      34,
      15
     ],
     "presentation": 1,
     "presentation_rect": [
      222,
      74,
      26,
      15
     ],
     "saved_attribute_attributes": {
      "valueof": {
       "parameter_longname": "Target Track",
       "parameter_shortname": "Target Trk",
       "parameter_type": 1,
       "parameter_initial_enable": 1,
       "parameter_initial": [
        1
       ],
       "parameter_mmin": 1,
       "parameter_mmax": 64,
       "parameter_unitstyle": 0
      }
     },
     "varname": "target_track",
     "parameter_enable": 1
    }
   },
   {
    "box": {
     "id": "obj-42",
     "maxclass": "newobj",
     "text": "prepend pick target track",
     "numinlets": 1,
     "numoutlets": 1,
     "outlettype": [
      ""
     ],
     "patching_rect": [
      170,
      720,
      195,
      22
     ]
    }
   },
   {
    "box": {
     "id": "obj-43",
     "maxclass": "comment",
     "text": "Scene",
     "numinlets": 1,
     "numoutlets": 0,
     "patching_rect": [
      280,
      630,
      60,
      20
     ],
     "presentation": 1,
     "presentation_rect": [
      252,
      74,
      30,
      15
     ],
     "fontsize": 9.0
    }
   },
   {
    "box": {
     "id": "obj-44",
     "maxclass": "live.numbox",
     "numinlets": 1,
     "numoutlets": 2,
     "outlettype": [
      "",
      "float"
     ],
     "patching_rect": [
      280,
      660,
      34,
      15
     ],
     "presentation": 1,
     "presentation_rect": [
      282,
      74,
      26,
      15
     ],
     "saved_attribute_attributes": {
      "valueof": {
       "parameter_longname": "Target Scene",
       "parameter_shortname": "Target Scn",
       "parameter_type": 1,
       "parameter_initial_enable": 1,
       "parameter_initial": [
        1
       ],
       "parameter_mmin": 1,
       "parameter_mmax": 64,
       "parameter_unitstyle": 0
      }
     },
     "varname": "target_scene",
     "parameter_enable": 1
    }
   },
   {
    "box": {
     "id": "obj-45",
     "maxclass": "newobj",
     "text": "prepend pick target scene",
     "numinlets": 1,
     "numoutlets": 1,
     "outlettype": [
      ""
     ],
     "patching_rect": [
      280,
      720,
      195,
      22
     ]
    }
   }
  ],
  "lines": [
   {
    "patchline": {
     "source": [
      "obj-2",
      0
     ],
     "destination": [
      "obj-1",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-3",
      0
     ],
     "destination": [
      "obj-4",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-4",
      0
     ],
     "destination": [
      "obj-1",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-5",
      0
     ],
     "destination": [
      "obj-1",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-5",
      1
     ],
     "destination": [
      "obj-1",
      1
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-1",
      0
     ],
     "destination": [
      "obj-6",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-1",
      1
     ],
     "destination": [
      "obj-7",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-1",
      2
     ],
     "destination": [
      "obj-8",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-8",
      0
     ],
     "destination": [
      "obj-1",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-1",
      3
     ],
     "destination": [
      "obj-9",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-1",
      4
     ],
     "destination": [
      "obj-10",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-10",
      0
     ],
     "destination": [
      "obj-11",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-11",
      1
     ],
     "destination": [
      "obj-1",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-11",
      0
     ],
     "destination": [
      "obj-5",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-1",
      5
     ],
     "destination": [
      "obj-12",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-12",
      0
     ],
     "destination": [
      "obj-13",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-13",
      0
     ],
     "destination": [
      "obj-1",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-1",
      6
     ],
     "destination": [
      "obj-14",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-1",
      7
     ],
     "destination": [
      "obj-15",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-1",
      8
     ],
     "destination": [
      "obj-16",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-18",
      0
     ],
     "destination": [
      "obj-19",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-19",
      0
     ],
     "destination": [
      "obj-1",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-21",
      0
     ],
     "destination": [
      "obj-22",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-22",
      0
     ],
     "destination": [
      "obj-1",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-23",
      0
     ],
     "destination": [
      "obj-24",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-24",
      0
     ],
     "destination": [
      "obj-1",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-25",
      0
     ],
     "destination": [
      "obj-26",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-26",
      0
     ],
     "destination": [
      "obj-1",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-27",
      0
     ],
     "destination": [
      "obj-28",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-28",
      0
     ],
     "destination": [
      "obj-1",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-29",
      0
     ],
     "destination": [
      "obj-30",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-30",
      0
     ],
     "destination": [
      "obj-1",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-31",
      0
     ],
     "destination": [
      "obj-32",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-32",
      0
     ],
     "destination": [
      "obj-1",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-33",
      0
     ],
     "destination": [
      "obj-34",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-34",
      0
     ],
     "destination": [
      "obj-1",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-35",
      0
     ],
     "destination": [
      "obj-36",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-36",
      0
     ],
     "destination": [
      "obj-1",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-1",
      9
     ],
     "destination": [
      "obj-38",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-38",
      0
     ],
     "destination": [
      "obj-39",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-39",
      0
     ],
     "destination": [
      "obj-1",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-41",
      0
     ],
     "destination": [
      "obj-42",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-42",
      0
     ],
     "destination": [
      "obj-1",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-44",
      0
     ],
     "destination": [
      "obj-45",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-45",
      0
     ],
     "destination": [
      "obj-1",
      0
     ]
    }
   }
  ]
 }
}
